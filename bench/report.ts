/** Output of a run: a table per benchmark, one JSON line of ratios, a noise summary, bench/results.json. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchOutput, Table } from './benchmark.js';
import type { Machine } from './machine.js';
import type { TimingPolicy } from './options.js';
import { median, type Summary } from './stats.js';

export interface BenchResult extends BenchOutput {
  name: string;
  title: string;
}

/** A spread (IQR over the median) as the tables show it: half the IQR, in percent of the median. */
export const pct = (relIqr: number): string => `±${(relIqr * 50).toFixed(1)}%`;

/** The spread of a series as a cell: `pct` from 3 samples on, below that only how many there were. */
export const spreadCell = (s: Summary): string => (s.n >= MIN_SPREAD_SAMPLES ? pct(s.relIqr) : `(n=${s.n})`);
/** Fewer samples than this have no meaningful IQR. */
export const MIN_SPREAD_SAMPLES = 3;

/** Cores of other work above which a row is flagged as measured on a busy machine. */
export const BUSY_LOAD = 0.25;

/** The "other load" cell: cores, starred when busy. */
export const loadCell = (otherLoad: number | null): string => (otherLoad === null ? '-' : `${otherLoad.toFixed(2)}${otherLoad > BUSY_LOAD ? ' *' : ''}`);

/** The footnote every table with an "other load" column carries when a row is starred. */
export function busyFootnotes(loads: readonly (number | null)[]): string[] {
  return loads.some((l) => l !== null && l > BUSY_LOAD)
    ? [`* other processes used more than ${BUSY_LOAD} cores meanwhile: that row's numbers are noisy (2-thread rows most); rerun on an idle machine`]
    : [];
}

export function formatTable(result: Pick<BenchResult, 'name' | 'title' | 'table'>): string {
  const t: Table = result.table;
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.body.map((row) => row[i]!.length)));
  const left = new Set(t.leftColumns);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [`${result.name}: ${result.title}`, ...t.notes, line(t.header), ...t.body.map(line), ...t.footnotes].join('\n');
}

/** How noisy the whole run was: what other processes did meanwhile, and how much repeats scattered. */
export interface NoiseSummary {
  /** Rows with an other-load reading, and how many of them were over BUSY_LOAD. */
  rows: number;
  busyRows: number;
  /** Cores used by other processes, over the rows. */
  medianOtherLoad: number | null;
  maxOtherLoad: number | null;
  /** IQR over the median of the timed series, over all series. */
  medianSpread: number | null;
  maxSpread: number | null;
  /** 'noisy' when a row was busy or the repeats scattered by more than NOISY_SPREAD (median), else 'quiet'. */
  verdict: 'quiet' | 'noisy' | 'unknown';
}

/** Median IQR over the median above which a run counts as noisy even without visible other load (neighbours on the host). */
export const NOISY_SPREAD = 0.1;

export function summarizeNoise(results: readonly BenchResult[]): NoiseSummary {
  const loads = results.flatMap((r) => r.noise.otherLoad).filter((l): l is number => l !== null);
  const spreads = results.flatMap((r) => r.noise.spreads).filter((s) => Number.isFinite(s));
  const busyRows = loads.filter((l) => l > BUSY_LOAD).length;
  const medianSpread = spreads.length ? median(spreads) : null;
  return {
    rows: loads.length,
    busyRows,
    medianOtherLoad: loads.length ? median(loads) : null,
    maxOtherLoad: loads.length ? Math.max(...loads) : null,
    medianSpread,
    maxSpread: spreads.length ? Math.max(...spreads) : null,
    verdict: loads.length === 0 ? 'unknown' : busyRows > 0 || (medianSpread ?? 0) > NOISY_SPREAD ? 'noisy' : 'quiet',
  };
}

export function noiseLine(n: NoiseSummary): string {
  if (n.verdict === 'unknown') return 'noise: other load not measured (no timed rows in this run, or no /proc/stat)';
  const spread = n.medianSpread === null ? '' : `; repeats scattered by ${pct(n.medianSpread)} (median over series, worst ${pct(n.maxSpread ?? 0)})`;
  const why = [
    ...(n.busyRows > 0 ? [`${n.busyRows} of ${n.rows} rows measured while other processes used more than ${BUSY_LOAD} cores (starred)`] : []),
    ...((n.medianSpread ?? 0) > NOISY_SPREAD ? [`repeats scattered by more than ${pct(NOISY_SPREAD)}`] : []),
  ];
  const verdict = n.verdict === 'quiet' ? 'quiet run' : `NOISY run: ${why.join('; ')}; rerun on an idle machine before quoting`;
  return `noise: other processes used ${n.medianOtherLoad!.toFixed(2)} cores (median over rows, max ${n.maxOtherLoad!.toFixed(2)})${spread}. ${verdict}`;
}

const round = (x: number): number => Number(x.toFixed(4));

/** `{"ratios":{"conv/64x64x128/t1/fwd":1.25,...},"headline":{...},"noise":"quiet"}`: one line for scripts to pick up. */
export function ratiosLine(results: readonly BenchResult[], noise: NoiseSummary): string {
  const ratios: Record<string, number> = {};
  const headline: Record<string, number> = {};
  for (const r of results) {
    for (const [k, v] of Object.entries(r.ratios)) ratios[k] = round(v);
    for (const [k, v] of Object.entries(r.headline ?? {})) headline[k] = round(v);
  }
  return JSON.stringify({ ratios, ...(Object.keys(headline).length ? { headline } : {}), noise: noise.verdict });
}

/** The run a benchmark's entry in results.json came from: every entry carries its own, since `--only` runs refresh one entry at a time. */
interface RunInfo {
  machine: Machine;
  policy: Readonly<TimingPolicy>;
  quick: boolean;
  noise: NoiseSummary;
}

/** The benchmark entries of an existing results file, each with its run (older files kept the run at the top level only); none when unreadable. */
function previousEntries(path: string): Record<string, Record<string, unknown>> {
  let doc: Partial<RunInfo> & { benchmarks?: Record<string, Record<string, unknown>> };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as typeof doc;
  } catch {
    return {};
  }
  const topLevelRun = { machine: doc.machine, policy: doc.policy, quick: doc.quick, noise: doc.noise };
  return Object.fromEntries(Object.entries(doc.benchmarks ?? {}).map(([name, entry]) => [name, { ...entry, run: entry.run ?? topLevelRun }]));
}

/**
 * Writes the results file atomically (a reader never sees half a file). Benchmarks this run did
 * not measure keep their entries from the file, so `--only NAME` refreshes NAME and loses nothing;
 * the top level describes this run, and every entry the run it came from.
 */
export function writeResults(
  path: string,
  machine: Machine,
  policy: Readonly<TimingPolicy>,
  quick: boolean,
  results: readonly BenchResult[],
  noise: NoiseSummary,
): void {
  const run: RunInfo = { machine, policy, quick, noise };
  const measured = Object.fromEntries(results.map((r) => [r.name, { title: r.title, ratios: r.ratios, headline: r.headline, details: r.details, rows: r.rows, run }]));
  const doc = { machine, policy, quick, noise, benchmarks: { ...previousEntries(path), ...measured } };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(tmp, path);
}
