/** The timing loop for our engine (twin of `sample` in reference/harness.py) and the block schedule. */
import type { TimingPolicy } from './options.js';

/** What one block of calls gives back, from either side. */
export interface Samples {
  /** Seconds per timed call. */
  seconds: number[];
  /**
   * Minor page faults of the whole process over the timed calls: memory that the allocator
   * handed back to the OS and touches afresh. Explains gaps that are not compute.
   */
  minorFaults: number;
}

/** `warmup` untimed calls, then `count` timed ones; `reset` runs before each call, untimed. */
export function sample(fn: () => void, warmup: number, count: number, reset?: () => void): Samples {
  for (let i = 0; i < warmup; i++) {
    reset?.();
    fn();
  }
  const seconds: number[] = [];
  const faults0 = process.resourceUsage().minorPageFault;
  for (let i = 0; i < count; i++) {
    reset?.();
    const t0 = process.hrtime.bigint();
    fn();
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds, minorFaults: process.resourceUsage().minorPageFault - faults0 };
}

export interface Paired {
  ours: Samples;
  reference: Samples;
}

const append = (into: Samples, s: Samples): void => {
  into.seconds.push(...s.seconds);
  into.minorFaults += s.minorFaults;
};

/**
 * Runs `policy.blocks` blocks of each side, alternating which goes first (ABBA...), so that
 * load from other processes and clock drift land on both sides alike. Samples are pooled.
 */
export async function interleave(
  ours: (warmup: number, count: number) => Samples,
  reference: (warmup: number, count: number) => Promise<Samples>,
  policy: Readonly<TimingPolicy>,
): Promise<Paired> {
  const result: Paired = { ours: { seconds: [], minorFaults: 0 }, reference: { seconds: [], minorFaults: 0 } };
  for (let b = 0; b < policy.blocks; b++) {
    const oursFirst = b % 2 === 0;
    if (oursFirst) append(result.ours, ours(policy.warmup, policy.samplesPerBlock));
    append(result.reference, await reference(policy.warmup, policy.samplesPerBlock));
    if (!oursFirst) append(result.ours, ours(policy.warmup, policy.samplesPerBlock));
  }
  return result;
}

/** `sample` for a call that returns a promise (onnxruntime's session.run). */
export async function sampleAsync(fn: () => Promise<unknown>, warmup: number, count: number): Promise<Samples> {
  for (let i = 0; i < warmup; i++) await fn();
  const seconds: number[] = [];
  const faults0 = process.resourceUsage().minorPageFault;
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds, minorFaults: process.resourceUsage().minorPageFault - faults0 };
}

/** One block of one side: `warmup` untimed calls, then `count` timed ones. */
export type Block = (warmup: number, count: number) => Samples | Promise<Samples>;

/**
 * `interleave` for any number of sides: each block runs every side once, in an order that reverses
 * from one block to the next (ABC, CBA, ABC, ...), so that no side always follows the same one.
 * Returns the pooled samples of each side, in the order given.
 */
export async function rotate(sides: readonly Block[], policy: Readonly<TimingPolicy>): Promise<Samples[]> {
  const pooled: Samples[] = sides.map(() => ({ seconds: [], minorFaults: 0 }));
  const order = sides.map((_, i) => i);
  for (let b = 0; b < policy.blocks; b++) {
    for (const i of b % 2 === 0 ? order : [...order].reverse()) append(pooled[i]!, await sides[i]!(policy.warmup, policy.samplesPerBlock));
  }
  return pooled;
}
