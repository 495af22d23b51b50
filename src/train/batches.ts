/**
 * The training batches of an epoch: which source and target files each step pairs, their
 * augmented views (resize, random crop, flip) packed into one NCHW Float32Array per domain, loaded
 * a few steps ahead of the step that trains on them. The trainer and the pipeline benchmark
 * (bench/pipeline.ts) both load through here, so the benchmark measures the trainer's own code.
 *
 * Every random draw comes from the run's seed plus where it happens (epoch, step, item), so a run
 * resumed at any step loads exactly the batches an uninterrupted one would.
 */
import { loadTrainingImage, type CropMode, type ImageShape } from '../data/decode.js';
import { DecodedImageCache } from '../data/decoded_cache.js';
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
 * An epoch visits max(|X|, |Y|) items, as the reference's UnalignedDataset with serial_batches false:
 * the items in a new shuffled order each epoch, item i taking source image order[i] mod |X| (each
 * source image once per epoch when X is the larger domain), and its target image drawn at random
 * with replacement, independently of the source. So a source image meets other targets from epoch
 * to epoch; pairing by the shuffled index alone would pair the same two images every epoch when the
 * domains are the same size (the discriminators then see fixed real/fake combinations).
 */
export function epochPairs(seed: number, epoch: number, source: readonly ScannedFile[], target: readonly ScannedFile[]): EpochPairs {
  const itemsPerEpoch = Math.max(source.length, target.length);
  const orderRng = derivedRng(seed, streams.order, epoch);
  const order = orderRng.shuffle(Array.from({ length: itemsPerEpoch }, (_, i) => i));
  return order.map((index) => [source[index % source.length]!, target[orderRng.int(target.length)]!] as const);
}

export interface BatchLoaderOptions {
  shape: ImageShape;
  /** The load_scale parameter: room for the random crop, this times the image size. */
  loadScale: number;
  /** The preprocess parameter: how that room is made; default resize_and_crop. */
  cropMode?: CropMode;
  /** The flip parameter: random horizontal flips. */
  flip: boolean;
  /** The run's seed, from which every crop and flip is derived. */
  seed: number;
  batchSize: number;
  /** Called for a file that failed to load; its pair is left out of the batch (the message is for a warning, `reason` for the report). */
  onSkip(message: string, path: string, reason: string): void;
  /**
   * Data-parallel training: this rank's share of each step. A step then covers batchSize * worldSize
   * pairs of the epoch, and rank r loads pairs r * batchSize ... (r + 1) * batchSize - 1 of it, with the
   * random crops and flips those items would get in one process with the whole batch. Default: one rank.
   */
  shard?: { rank: number; worldSize: number };
  /** Memory for decoded images kept between epochs (DecodedImageCache); default DEFAULT_DECODED_CACHE_BYTES, 0 decodes every time. */
  cacheBytes?: number;
}

/**
 * 512 MiB: the whole of the demo data at any size, and about 2000 images at 256 px (load size
 * 287 x 287 x 3 bytes): a typical unpaired dataset of a few thousand images is mostly served from
 * memory, for a sixth of what a 256 px training step already holds (about 3 GB peak RSS).
 */
export const DEFAULT_DECODED_CACHE_BYTES = 512 * 2 ** 20;

/**
 * Steps loaded ahead of the one training. Two keeps the next batch ready without holding many
 * batches in memory; the loads only need to finish within a step, which is far longer than a decode.
 */
const PREFETCH_DEPTH = 2;

export class BatchLoader {
  /** Decoded images kept across epochs; its size and bytes say how much of the data it holds. */
  readonly cache: DecodedImageCache;

  constructor(private readonly o: Readonly<BatchLoaderOptions>) {
    this.cache = new DecodedImageCache(o.cacheBytes ?? DEFAULT_DECODED_CACHE_BYTES);
  }

  /** The batches of `steps` (step indices within `epoch`), in that order, each loading `PREFETCH_DEPTH` steps ahead. */
  epoch(epoch: number, pairs: EpochPairs, steps: readonly number[]): Prefetcher<Batch> {
    return new Prefetcher((step) => this.load(epoch, pairs, step), steps, { depth: PREFETCH_DEPTH });
  }

  /** One step's batch. */
  async load(epoch: number, pairs: EpochPairs, step: number): Promise<Batch> {
    const { batchSize, shape } = this.o;
    const { rank, worldSize } = this.o.shard ?? { rank: 0, worldSize: 1 };
    const first = step * batchSize * worldSize + rank * batchSize;
    const items = pairs.slice(first, first + batchSize);
    // All images of the step load at once, so a step waits for the slowest decode rather than the sum: each draws from its
    // own Rng, so the order they finish in changes nothing. Failures are reported after all have settled, in item order.
    const loaded = await Promise.all(items.flatMap(([fa, fb], k) => [this.loadItem(fa, streams.source, epoch, step, rank * batchSize + k), this.loadItem(fb, streams.target, epoch, step, rank * batchSize + k)]));
    const ok: [Float32Array, Float32Array][] = [];
    for (let k = 0; k < items.length; k++) {
      const [x, y] = [loaded[2 * k]!, loaded[2 * k + 1]!];
      for (const [r, file] of [
        [x, items[k]![0]],
        [y, items[k]![1]],
      ] as const) {
        if (typeof r === 'string') this.o.onSkip(`skipped ${file.path}: ${r}`, file.path, r);
      }
      if (typeof x !== 'string' && typeof y !== 'string') ok.push([x, y]);
    }
    const plane = shape.channels * shape.height * shape.width;
    const a = new Float32Array(ok.length * plane);
    const b = new Float32Array(ok.length * plane);
    ok.forEach(([x, y], i) => {
      a.set(x, i * plane);
      b.set(y, i * plane);
    });
    return { a, b, n: ok.length };
  }

  /** The training view of one image, or why it failed to load. */
  private async loadItem(file: ScannedFile, stream: number, epoch: number, step: number, k: number): Promise<Float32Array | string> {
    const { shape, loadScale, cropMode, flip, seed } = this.o;
    try {
      return await loadTrainingImage(file.path, { ...shape, loadScale, cropMode, flip }, derivedRng(seed, stream, epoch, step, k), this.cache.decode);
    } catch (error) {
      return (error as Error).message;
    }
  }
}
