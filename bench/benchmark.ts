/**
 * What a benchmark is, so that run.ts can treat them alike: it measures, then hands back the table
 * to print, its ratios for the JSON line and every number for results.json. To add one: write
 * bench/NAME.ts exporting a Benchmark and, when it compares against PyTorch,
 * bench/reference/NAME_bench.py serving `measure` (harness.serve, or harness.run_once for a case
 * that needs a process of its own); then list it in run.ts.
 */
import type { OnceRequest } from './once.js';
import type { TimingPolicy } from './options.js';
import type { ReferenceWorker } from './reference.js';

/** A table for the terminal; report.ts lays it out. */
export interface Table {
  header: string[];
  /** Indices of the columns aligned left (labels); the others hold numbers and align right. */
  leftColumns: number[];
  body: string[][];
  /** Lines between the title and the header: how it was measured. */
  notes: string[];
  /** Lines under the body: flags and caveats. */
  footnotes: string[];
}

/** How noisy a benchmark's measurements were, for the run's noise summary. */
export interface NoiseReadings {
  /** Cores used by other processes while each row ran (load.ts); null where /proc is missing. */
  otherLoad: (number | null)[];
  /** IQR over the median of each timed series. */
  spreads: number[];
}

export interface BenchOutput {
  table: Table;
  /**
   * Every comparison with PyTorch, keyed like 'conv/64x64x128/t1/fwd': PyTorch's cost over ours
   * (seconds, bytes), so that above 1 always means ours is better.
   */
  ratios: Record<string, number>;
  /** Other headline numbers for the JSON line, keyed like the ratios (quality's relative differences). */
  headline?: Record<string, number>;
  /** Every number measured, for results.json. */
  rows: unknown[];
  /** Numbers that belong to the benchmark rather than to a row (translate's output agreement), for results.json. */
  details?: Record<string, unknown>;
  noise: NoiseReadings;
}

export interface BenchContext {
  /** The block schedule of this run (full or --quick); benchmarks with long calls scale it down. */
  policy: Readonly<TimingPolicy>;
  quick: boolean;
  /** A folder for this run's scratch files (data, exported models); run.ts removes it. */
  tempDir: string;
  /** Starts bench/reference/NAME and waits until it is ready; run.ts closes it after the benchmark. */
  reference(name: string): Promise<ReferenceWorker>;
  /**
   * Runs one case in a fresh process and waits for it to exit (once.ts): 'NAME.js' is ours
   * (compiled bench/NAME.ts), 'NAME.py' is bench/reference/NAME.py. `env` is added to the environment.
   */
  once<R>(script: string, request: OnceRequest, env?: Readonly<Record<string, string>>): Promise<R>;
  /** Progress for the terminal (the benchmark itself never prints). */
  progress(message: string): void;
}

export interface Benchmark {
  name: string;
  /** One line describing the setup, printed above the table. */
  title: string;
  run(ctx: BenchContext): Promise<BenchOutput>;
}
