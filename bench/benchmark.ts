/**
 * What a benchmark is, so that run.ts can treat them alike. To add one (training step, translate
 * throughput, peak RSS): write bench/NAME.ts exporting a Benchmark and, when it compares against
 * PyTorch, bench/reference/NAME_bench.py serving `measure`; then list it in run.ts.
 */
import type { TimingPolicy } from './options.js';
import type { ReferenceWorker } from './reference.js';
import type { Summary } from './stats.js';

/** One compared measurement: a row of the table and an entry of the ratios line. */
export interface Row {
  /** Stable key for the ratios line and results.json, e.g. 'conv/64x64x128/t1/fwd'. */
  key: string;
  /** Shown in the table: what was measured. */
  shape: string;
  threads: number;
  pass: string;
  /** Unit of `ours` and `reference`, e.g. 'GFLOPS' or 'ms/step'. */
  unit: string;
  /** Whether a larger value is better (GFLOPS) or worse (ms). */
  higherIsBetter: boolean;
  /** Median-based values. */
  ours: number;
  reference: number;
  /** ours / reference of the metric above. */
  ratio: number;
  /** Same from the fastest sample of each side: less sensitive to load from other processes. */
  bestRatio: number;
  /** Raw per-call seconds, summarised. */
  oursSeconds: Summary;
  referenceSeconds: Summary;
  /** Minor page faults per timed call (see Samples in timing.ts). */
  oursFaultsPerCall: number;
  referenceFaultsPerCall: number;
  /** Cores used by other processes while the case ran (load.ts); rows with much of it are noisy. */
  otherLoad: number | null;
}

export interface BenchContext {
  policy: Readonly<TimingPolicy>;
  /** Starts bench/reference/NAME and waits until it is ready; run.ts closes it after the benchmark. */
  reference(name: string): Promise<ReferenceWorker>;
  /** Progress for the terminal (the benchmark itself never prints). */
  progress(message: string): void;
}

export interface Benchmark {
  name: string;
  /** One line describing the setup, printed above the table. */
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
