/**
 * Derived seeds: every random draw of a run comes from the run's seed plus where it happens
 * (epoch, step, item), so a run resumed at any step draws exactly what an uninterrupted one would.
 */
import { Rng } from '../engine/rng.js';

/** Mixes integers into one 32-bit seed (murmur3's finaliser over a running hash). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ Math.floor(p / 2 ** 32), 0x01000193) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

export const streams = { order: 1, source: 2, target: 3, pool: 4 } as const;

export function derivedRng(seed: number, stream: number, ...where: number[]): Rng {
  return new Rng(mixSeed(seed, stream, ...where));
}
