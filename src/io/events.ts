/**
 * What a run reports, as one tagged union: the CLI turns it into a progress bar or log lines,
 * run_log.ts writes them to logs/train.jsonl. The library itself never prints.
 */
import type { Losses } from '../model/cyclegan.js';

export type RunEvent =
  | { type: 'info'; message: string }
  | { type: 'warning'; message: string }
  | { type: 'validation'; domain: string; total: number; usable: number; rejected: { path: string; reason: string }[] }
  | {
      type: 'start';
      startEpoch: number;
      /** Steps of startEpoch already done (a resume mid-epoch), and of the whole run. */
      startStep: number;
      globalStep: number;
      maxEpoch: number;
      stepsPerEpoch: number;
      resumed: boolean;
    }
  | {
      type: 'step';
      epoch: number;
      maxEpoch: number;
      step: number;
      stepsPerEpoch: number;
      globalStep: number;
      losses: Losses;
      lrG: number;
      lrD: number;
      secondsPerStep: number;
      imagesPerSecond: number;
      etaSeconds: number;
    }
  /** After every training step (`step` comes every log_frequency steps, with timing): moves a terminal progress bar. */
  | { type: 'tick'; epoch: number; maxEpoch: number; step: number; stepsPerEpoch: number; secondsPerStep: number; lrG: number; losses: Losses }
  | { type: 'epoch'; epoch: number; maxEpoch: number; seconds: number; meanLosses: Losses }
  /** stepInEpoch: set for a checkpoint written mid-epoch (checkpoint_minutes), where `epoch` is the epoch in progress. */
  | { type: 'saved'; epoch: number; stepInEpoch?: number; files: string[] }
  | { type: 'interrupted'; epoch: number; stepInEpoch: number; checkpoint: string }
  /** skipped: files among the `done` that failed to load and were not written. */
  | { type: 'generate'; done: number; total: number; skipped: number; etaSeconds: number }
  | { type: 'tiles'; image: string; done: number; total: number; etaSeconds: number }
  | { type: 'done'; outDir: string; generated: number; seconds: number }
  | { type: 'metrics'; epoch: number; images: { real: number; fake: number }; scores: Record<string, MetricScores>; bestEpoch: number }
  /** Object storage (src/storage): files copied from or to a bucket so far, of `total`, under `url`. */
  | { type: 'transfer'; direction: 'download' | 'upload'; done: number; total: number; bytes: number; url: string };

/** KID* (mean and standard deviation over subsets) and FID* in one feature space (src/metrics/). */
export interface MetricScores {
  kid: number;
  kidStd: number;
  fid: number;
}

export type EventSink = (event: RunEvent) => void;
