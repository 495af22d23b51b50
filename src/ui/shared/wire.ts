/**
 * What the dashboard server sends the page (and what report.html carries inline): the rows read from
 * logs/train.jsonl and the run folder's other files. Pure data, shared by the Node side and the browser.
 */

/** One `step` line of logs/train.jsonl, with its position as a fractional epoch. */
export interface StepRow {
  /** (epoch - 1) + step / stepsPerEpoch: the x axis of every curve. */
  x: number;
  epoch: number;
  maxEpoch: number;
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  losses: Record<string, number>;
  lrG: number | null;
  lrD: number | null;
  secondsPerStep: number | null;
  etaSeconds: number | null;
  /** ISO time the line was written, when it says. */
  time: string | null;
}

/** One `metrics` line: whatever numeric fields it holds, flattened one level (`fid.AtoB`). */
export interface MetricsRow {
  /** The epoch it was measured at (end of that epoch), or the last step's x when it names none. */
  x: number | null;
  values: Record<string, number>;
  time: string | null;
}

/** The last start, interrupted or done line of the log: whether the run is going, stopped or over. */
export interface RunState {
  type: 'start' | 'interrupted' | 'done';
  time: string | null;
}

export interface ParamsInfo {
  parameters: Record<string, unknown>;
  /** Names of the parameters that differ from their defaults. */
  changed: string[];
}

/** The run folder's files other than the log, listed by name only (the server serves them by route). */
export interface RunFiles {
  /** samples/*.jpg|png, sorted by name. */
  samples: string[];
  /** model/*.onnx, oldest epoch first. */
  models: string[];
  params: ParamsInfo | null;
  /** validation_report.json as written (its `domains` object), or null. */
  validation: Record<string, unknown> | null;
}

export interface RunSnapshot {
  name: string;
  path: string;
  steps: StepRow[];
  metrics: MetricsRow[];
  /** Lines of train.jsonl that were not JSON objects (a partial last line is not counted: it is waited for). */
  badLines: number;
  state: RunState | null;
  files: RunFiles;
}

/** The Server-Sent Events the live page receives; report.html embeds one `snapshot`. */
export type WireMessage =
  | { type: 'snapshot'; runs: RunSnapshot[]; generatedAt: string }
  | { type: 'append'; run: number; steps: StepRow[]; metrics: MetricsRow[]; badLines: number; state: RunState | null }
  | { type: 'files'; run: number; files: RunFiles };
