/**
 * Writing checkpoints/latest.safetensors during training. In a data-parallel run every rank takes part
 * (each hands its image pools and pool generator to rank 0, which writes them all), so every rank calls
 * `save` at the same step; rank 0 alone writes.
 */
import type { Parameters } from '../config/parameters.js';
import { saveCheckpoint, type RunPosition } from '../io/checkpoint.js';
import type { RunFolder } from '../io/run_folder.js';
import type { CycleGan } from '../model/cyclegan.js';
import type { DistributedContext } from './distributed_context.js';

export class Checkpointer {
  constructor(
    private readonly model: CycleGan,
    private readonly p: Readonly<Parameters>,
    private readonly folder: RunFolder,
    private readonly dist: DistributedContext | undefined,
  ) {}

  get writes(): boolean {
    return !this.dist || this.dist.isWriter;
  }

  /** Writes the checkpoint at `position`; `before` runs first on the writing rank (the epoch's model files). */
  async save(position: Omit<RunPosition, 'worldSize' | 'rankRng'>, before?: () => Promise<string[]>): Promise<string[]> {
    const { model, p, dist } = this;
    const poolImage = [1, p.image_channel, p.image_height, p.image_width];
    const pools = dist ? await dist.gatherPools(model, poolImage, p.device) : undefined;
    try {
      if (!this.writes) return [];
      const files = before ? await before() : [];
      const ranks = pools ? { worldSize: pools.rankRng.length, rankRng: pools.rankRng } : {};
      saveCheckpoint(this.folder.latestCheckpoint, model, p, { ...position, ...ranks }, pools?.tensors);
      return [...files, this.folder.latestCheckpoint];
    } finally {
      pools?.dispose();
    }
  }
}
