/**
 * Reading logs/train.jsonl into curve rows. The file is written by other processes while we read it,
 * so every line is untrusted: a line that is not a JSON object counts as bad, an event type we do not
 * know is skipped, a field of the wrong type becomes null. Shared by the server and the browser.
 */
import type { MetricsRow, RunState, StepRow } from './wire.js';

export interface ParsedLines {
  steps: StepRow[];
  metrics: MetricsRow[];
  badLines: number;
  /** The last start, interrupted or done line among these, if any. */
  state: RunState | null;
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Six significant digits keep curves exact to the eye and the page's data a third of the size. */
function trim(v: number): number {
  return Number(v.toPrecision(6));
}

function numericFields(source: Record<string, unknown>, skip: ReadonlySet<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(source)) {
    if (skip.has(key)) continue;
    const n = finite(value);
    if (n !== null) out[key] = trim(n);
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value as Record<string, unknown>)) {
        const m = finite(v);
        if (m !== null) out[`${key}.${inner}`] = trim(m);
      }
    }
  }
  return out;
}

function stepRow(e: Record<string, unknown>): StepRow | null {
  const epoch = finite(e.epoch);
  const step = finite(e.step);
  const stepsPerEpoch = finite(e.stepsPerEpoch);
  if (epoch === null || step === null || stepsPerEpoch === null || stepsPerEpoch <= 0) return null;
  const losses = e.losses && typeof e.losses === 'object' && !Array.isArray(e.losses) ? numericFields(e.losses as Record<string, unknown>, new Set()) : {};
  const number = (v: unknown) => {
    const n = finite(v);
    return n === null ? null : trim(n);
  };
  return {
    x: trim(epoch - 1 + step / stepsPerEpoch),
    epoch,
    maxEpoch: finite(e.maxEpoch) ?? epoch,
    step,
    stepsPerEpoch,
    globalStep: finite(e.globalStep) ?? (epoch - 1) * stepsPerEpoch + step,
    losses,
    lrG: number(e.lrG),
    lrD: number(e.lrD),
    secondsPerStep: number(e.secondsPerStep),
    etaSeconds: number(e.etaSeconds),
    time: typeof e.time === 'string' ? e.time : null,
  };
}

const METRICS_POSITION = new Set(['type', 'time', 'epoch', 'maxEpoch', 'step', 'stepsPerEpoch', 'globalStep']);

function metricsRow(e: Record<string, unknown>, lastX: number | null): MetricsRow {
  const epoch = finite(e.epoch);
  return { x: epoch ?? lastX, values: numericFields(e, METRICS_POSITION), time: typeof e.time === 'string' ? e.time : null };
}

/** Parses complete lines (without their newline). `lastX` places metrics lines that name no epoch. */
export function parseLogLines(lines: readonly string[], lastX: number | null = null): ParsedLines {
  const out: ParsedLines = { steps: [], metrics: [], badLines: 0, state: null };
  let x = lastX;
  for (const line of lines) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.badLines++;
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      out.badLines++;
      continue;
    }
    const e = value as Record<string, unknown>;
    if (e.type === 'step') {
      const row = stepRow(e);
      if (row) {
        out.steps.push(row);
        x = row.x;
      } else out.badLines++;
    } else if (e.type === 'metrics') out.metrics.push(metricsRow(e, x));
    else if (e.type === 'start' || e.type === 'interrupted' || e.type === 'done') out.state = { type: e.type, time: typeof e.time === 'string' ? e.time : null };
    // any other type is another writer's event: not ours to plot
  }
  return out;
}

/**
 * Appends step rows in log order. A resumed run logs again from its checkpoint, so a row whose global
 * step is not past the last one replaces the rows from that step on: the curve shows the run that
 * continued, not the lost steps after the checkpoint. Returns how many old rows were dropped.
 */
export function appendSteps(rows: StepRow[], incoming: readonly StepRow[]): number {
  let dropped = 0;
  for (const row of incoming) {
    if (rows.length && row.globalStep <= rows[rows.length - 1].globalStep) {
      let keep = rows.length;
      while (keep > 0 && rows[keep - 1].globalStep >= row.globalStep) keep--;
      dropped += rows.length - keep;
      rows.length = keep;
    }
    rows.push(row);
  }
  return dropped;
}
