/**
 * Training images decoded once and kept in memory at their load size (HWC uint8), so that from the
 * second epoch on a batch costs a crop and a flip instead of a read, a decode and a resize.
 *
 * Why: prefetching hides little of a decode. The training step runs synchronously on the main
 * thread, so a load started early barely progresses during it (each stage of a load, reading the
 * file, decoding, resizing, needs the blocked event loop to start the next), and libtorch's threads
 * leave no core free for it anyway: the decoding time shows up between steps. A cached image skips
 * all of that; its load finishes within promise callbacks, without waiting for the event loop
 * (bench/pipeline.ts measures both). The crop and flip are still drawn per step, from the same Rng
 * as before, and the cached bytes are the ones decoding gives, so training is bit-identical with
 * or without the cache.
 *
 * Bounded by `budgetBytes`: images are kept until the budget is spent, later ones are decoded on
 * every use and not kept. No eviction, on purpose: an epoch visits every file once in a random
 * order, so a least-recently-used cache smaller than the dataset would evict each image before its
 * next visit and never hit, while keeping the first ones serves budget / dataset of all loads.
 * Failed decodes are not kept: they fail again (and are reported again) on every use, as uncached.
 */
import { ConfigError } from '../errors.js';
import { decodeResized, type ResizedDecoder } from './decode.js';

export class DecodedImageCache {
  private readonly images = new Map<string, Uint8Array>();
  private used = 0;

  /**
   * @param budgetBytes the most pixel bytes kept; 0 keeps nothing.
   * @param decodeUncached what decodes an image that is not kept (default: `decodeResized`).
   */
  constructor(
    readonly budgetBytes: number,
    private readonly decodeUncached: ResizedDecoder = decodeResized,
  ) {
    if (!Number.isSafeInteger(budgetBytes) || budgetBytes < 0) throw new ConfigError(`Expected a non-negative integer for budgetBytes but received ${String(budgetBytes)}`);
  }

  /** Pixel bytes kept. */
  get bytes(): number {
    return this.used;
  }

  /** Images kept. */
  get size(): number {
    return this.images.size;
  }

  /** A ResizedDecoder for loadTrainingImage that answers from memory when it can. */
  readonly decode: ResizedDecoder = async (path, channels, height, width) => {
    const key = `${channels}:${height}x${width}:${path}`;
    const kept = this.images.get(key);
    if (kept) return kept;
    const decoded = await this.decodeUncached(path, channels, height, width);
    // A view into a bigger allocation would keep all of it alive, more than the budget counts: keep a copy of exactly these bytes.
    const own = decoded.byteOffset === 0 && decoded.byteLength === decoded.buffer.byteLength ? decoded : new Uint8Array(decoded);
    // Two loads of one file can be in flight at once (the smaller domain is drawn with replacement): keep the first.
    if (!this.images.has(key) && this.used + own.byteLength <= this.budgetBytes) {
      this.images.set(key, own);
      this.used += own.byteLength;
    }
    return own;
  };
}
