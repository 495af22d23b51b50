/**
 * The training batches of an epoch: which source and target files each step pairs, their
 * augmented views (resize, random crop, flip) packed into one NCHW Float32Array per domain, loaded
 * a few steps ahead of the step that trains on them. The trainer and the pipeline benchmark
 * (bench/pipeline.ts) both load through here, so the benchmark measures the trainer's own code.
 *
 * Every random draw comes from the run's seed plus where it happens (epoch, step, item), so a run
 * resumed at any step loads exactly the batches an uninterrupted one would.
 */
import { loadTrainingImage, type ImageShape } from '../data/decode.js';
import { Prefetcher } from '../data/prefetch.js';
import type { ScannedFile } from '../data/scan.js';
import { derivedRng, streams } from './seeds.js';

/** One step's images: `n` source and `n` target images, NCHW. */
export interface Batch {
  a: Float32Array;
  b: Float32Array;
  /** Pairs in the batch: batch_size, less any pair with a file that failed to load. */
  n: number;
}

/** The (source, target) file of each item of an epoch, in the order the steps visit them. */
export type EpochPairs = readonly (readonly [ScannedFile, ScannedFile])[];

/**
 * An epoch visits max(|X|, |Y|) items: a shuffled pass over the larger domain; the smaller one is
 * drawn at random (with replacement).
 */
export function epochPairs(seed: number, epoch: number, source: readonly ScannedFile[], target: readonly ScannedFile[]): EpochPairs {
  const itemsPerEpoch = Math.max(source.length, target.length);
  const orderRng = derivedRng(seed, streams.order, epoch);
  const order = orderRng.shuffle(Array.from({ length: itemsPerEpoch }, (_, i) => i));
  const pick = (files: readonly ScannedFile[], i: number): ScannedFile => (files.length === itemsPerEpoch ? files[order[i]] : files[orderRng.int(files.length)]);
  return order.map((_, i) => [pick(source, i), pick(target, i)] as const);
}

export interface BatchLoaderOptions {
  shape: ImageShape;
  /** The load_scale parameter: resize to this times the image size before the random crop. */
  loadScale: number;
  /** The flip parameter: random horizontal flips. */
  flip: boolean;
  /** The run's seed, from which every crop and flip is derived. */
  seed: number;
  batchSize: number;
  /** Called for a file that failed to load; its pair is left out of the batch (the message is for a warning). */
  onSkip(message: string): void;
}

/**
 * Steps loaded ahead of the one training. Two keeps the next batch ready without holding many
 * batches in memory; the loads only need to finish within a step, which is far longer than a decode.
 */
const PREFETCH_DEPTH = 2;

export class BatchLoader {
  constructor(private readonly o: Readonly<BatchLoaderOptions>) {}

  /** The batches of `steps` (step indices within `epoch`), in that order, each loading `PREFETCH_DEPTH` steps ahead. */
  epoch(epoch: number, pairs: EpochPairs, steps: readonly number[]): Prefetcher<Batch> {
    return new Prefetcher((step) => this.load(epoch, pairs, step), steps, { depth: PREFETCH_DEPTH });
  }

  /** One step's batch. */
  async load(epoch: number, pairs: EpochPairs, step: number): Promise<Batch> {
    const { batchSize, shape } = this.o;
    const items = pairs.slice(step * batchSize, (step + 1) * batchSize);
    const loaded = await Promise.all(
      items.map(async ([fa, fb], k) => [await this.loadItem(fa, streams.source, epoch, step, k), await this.loadItem(fb, streams.target, epoch, step, k)] as const),
    );
    const ok = loaded.filter(([a, b]) => a !== null && b !== null) as [Float32Array, Float32Array][];
    const plane = shape.channels * shape.height * shape.width;
    const a = new Float32Array(ok.length * plane);
    const b = new Float32Array(ok.length * plane);
    ok.forEach(([x, y], i) => {
      a.set(x, i * plane);
      b.set(y, i * plane);
    });
    return { a, b, n: ok.length };
  }

  private async loadItem(file: ScannedFile, stream: number, epoch: number, step: number, k: number): Promise<Float32Array | null> {
    const { shape, loadScale, flip, seed } = this.o;
    try {
      return await loadTrainingImage(file.path, { ...shape, loadScale, flip }, derivedRng(seed, stream, epoch, step, k));
    } catch (error) {
      this.o.onSkip(`skipped ${file.path}: ${(error as Error).message}`);
      return null;
    }
  }
}
