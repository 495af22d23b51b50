/**
 * A small seeded PRNG for data order and augmentation: xoshiro128** (Blackman & Vigna), seeded
 * through splitmix32 so that nearby seeds (0, 1, 2, ...) still give unrelated streams.
 *
 * It lives in JavaScript rather than in libtorch because its whole state is four 32-bit words
 * that a checkpoint can store as JSON and restore exactly, so a resumed run shuffles and crops
 * the same way an uninterrupted one would.
 */
import { ConfigError } from '../errors.js';

/** The complete generator state; plain JSON. */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  /** Four unsigned 32-bit words, never all zero. */
  readonly s: readonly [number, number, number, number];
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function isWord(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** A generator seeded with any integer (it is reduced to 32 bits); default seed 0. */
  constructor(seed = 0) {
    if (!Number.isSafeInteger(seed)) throw new ConfigError(`Expected an integer for the random seed but received ${String(seed)}`);
    const next = splitmix32(seed);
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // splitmix32 never yields four zero words in a row, but the all-zero state is a fixed point; guard anyway.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Restores a generator saved with `state()`; it continues the exact same sequence. */
  static fromState(state: RngState): Rng {
    return new Rng(0).restore(state);
  }

  /** Makes this generator continue from a saved `state()` (everyone holding it sees the change); returns it. */
  restore(state: RngState): this {
    const s = (state as { s?: unknown } | null)?.s;
    if (state?.algorithm !== 'xoshiro128**' || !Array.isArray(s) || s.length !== 4 || !s.every(isWord) || s.every((w) => w === 0)) {
      throw new ConfigError(
        `Expected an Rng state like {"algorithm":"xoshiro128**","s":[4 unsigned 32-bit integers, not all 0]} but received ${JSON.stringify(state)}; ` +
          'pass the object returned by rng.state() unchanged',
      );
    }
    [this.s0, this.s1, this.s2, this.s3] = s as [number, number, number, number];
    return this;
  }

  /** A copy of the current state (plain JSON). */
  state(): RngState {
    return { algorithm: 'xoshiro128**', s: [this.s0, this.s1, this.s2, this.s3] };
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** An integer in [0, n); n must be a positive integer up to 2^32. Unbiased (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      throw new ConfigError(`Expected a positive integer up to 2^32 for n but received ${String(n)}`);
    }
    // Reject the top partial bucket so every value is equally likely.
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i] as T;
      array[i] = array[j] as T;
      array[j] = tmp;
    }
    return array;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
