/**
 * Keeps the next few images decoding while the current batch trains. sharp decodes on libuv's
 * thread pool, so starting a load early is all it takes to overlap decoding with the GPU step.
 *
 * Loads are started only from inside `next()` (synchronously, in `order`), never from a promise
 * callback: a loader that draws augmentation randomness at call time therefore consumes its
 * random numbers in the same order on every run, whatever the decoding speed. (A failed item
 * refills the queue once it has settled; so when several prefetchers share one Rng, await their
 * `next()` calls one after another rather than with Promise.all.)
 *
 * An item whose load fails is skipped: a loader that wants failures known reports them itself (as
 * BatchLoader does, with the file's name), so the prefetcher needs no error channel of its own.
 */
import { ConfigError } from '../errors.js';

export interface PrefetcherOptions {
  /** How many loads to keep in flight ahead of the consumer; default 4 (libuv's default pool size). */
  readonly depth?: number;
}

/** One loaded item and its index (an element of `order`). */
export interface Prefetched<T> {
  readonly index: number;
  readonly value: T;
}

type Settled<T> = { index: number; ok: true; value: T } | { index: number; ok: false };

export class Prefetcher<T> {
  private readonly queue: Array<Promise<Settled<T>>> = [];
  private position = 0;
  private readonly depth: number;

  constructor(
    private readonly load: (index: number) => Promise<T>,
    private readonly order: readonly number[],
    options: PrefetcherOptions = {},
  ) {
    this.depth = options.depth ?? 4;
    if (!Number.isInteger(this.depth) || this.depth < 1) throw new ConfigError(`Expected a positive integer for depth but received ${String(options.depth)}`);
  }

  /** Items not yet returned or skipped, including those in flight. */
  get remaining(): number {
    return this.order.length - this.position + this.queue.length;
  }

  /** The next item that loads successfully, in `order`; null when the order is exhausted. */
  async next(): Promise<Prefetched<T> | null> {
    for (;;) {
      this.fill();
      const head = this.queue.shift();
      if (!head) return null;
      const settled = await head;
      if (settled.ok) return { index: settled.index, value: settled.value };
    }
  }

  private fill(): void {
    while (this.queue.length < this.depth && this.position < this.order.length) {
      const index = this.order[this.position++] as number;
      // Settle every load into a value so that an abandoned prefetcher never leaves an unhandled rejection.
      let started: Promise<T>;
      try {
        started = this.load(index);
      } catch (error) {
        started = Promise.reject(error);
      }
      this.queue.push(
        started.then(
          (value): Settled<T> => ({ index, ok: true, value }),
          (): Settled<T> => ({ index, ok: false }),
        ),
      );
    }
  }
}
