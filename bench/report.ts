/** Output of a run: a table per benchmark, one JSON line of ratios, and bench/results.json. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Row } from './benchmark.js';
import type { Machine } from './machine.js';
import type { TimingPolicy } from './options.js';

export interface BenchResult {
  name: string;
  title: string;
  rows: Row[];
}

const pct = (x: number): string => `±${(x * 50).toFixed(1)}%`;

/** Cores of other work above which a row is flagged as measured on a busy machine. */
export const BUSY_LOAD = 0.25;

/** Columns: shape, threads, pass, ours, PyTorch, ratio; spreads are half the IQR over the median. */
export function formatTable(result: BenchResult, policy: Readonly<TimingPolicy>): string {
  const unit = result.rows[0]?.unit ?? '';
  const header = ['shape', 'threads', 'pass', `ours ${unit}`, `PyTorch ${unit}`, 'ratio ours/PyTorch', 'best ratio', 'faults/call ours/PT', 'other load'];
  const body = result.rows.map((r) => [
    r.shape,
    String(r.threads),
    r.pass,
    `${r.ours.toFixed(1)} ${pct(r.oursSeconds.relIqr)}`,
    `${r.reference.toFixed(1)} ${pct(r.referenceSeconds.relIqr)}`,
    r.ratio.toFixed(3),
    r.bestRatio.toFixed(3),
    `${Math.round(r.oursFaultsPerCall)}/${Math.round(r.referenceFaultsPerCall)}`,
    r.otherLoad === null ? '-' : `${r.otherLoad.toFixed(2)}${r.otherLoad > BUSY_LOAD ? ' *' : ''}`,
  ]);
  const busy = result.rows.some((r) => r.otherLoad !== null && r.otherLoad > BUSY_LOAD);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const left = new Set([0, 2]);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const samples = policy.blocks * policy.samplesPerBlock;
  return [
    `${result.name}: ${result.title}`,
    `median of ${samples} calls per side (${policy.blocks} alternating blocks of ${policy.samplesPerBlock}, ${policy.warmup} warm-up each); ± is half the IQR over the median;`,
    'best ratio: from the fastest call of each side; faults: minor page faults per call; other load: cores busy with other processes meanwhile',
    line(header),
    ...body.map(line),
    ...(busy ? [`* other processes used more than ${BUSY_LOAD} cores meanwhile: that row's numbers are noisy (2-thread rows most); rerun on an idle machine`] : []),
  ].join('\n');
}

/** `{"ratios":{"conv/64x64x128/t1/fwd":0.98,...}}`: one line for scripts to pick up. */
export function ratiosLine(results: readonly BenchResult[]): string {
  const ratios: Record<string, number> = {};
  for (const r of results.flatMap((b) => b.rows)) ratios[r.key] = Number(r.ratio.toFixed(4));
  return JSON.stringify({ ratios });
}

/** Writes the results file atomically (a reader never sees half a file). */
export function writeResults(path: string, machine: Machine, policy: Readonly<TimingPolicy>, quick: boolean, results: readonly BenchResult[]): void {
  const doc = { machine, policy, quick, benchmarks: Object.fromEntries(results.map((r) => [r.name, { title: r.title, rows: r.rows }])) };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(tmp, path);
}
