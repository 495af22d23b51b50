/**
 * Seconds per CycleGAN training step, ours (float32, and bfloat16 convolutions) against the PyTorch
 * reference (float32, test/reference/cyclegan_reference.py): one whole optimize_parameters() (six
 * generator and six discriminator forwards, their backward passes, two Adam updates) with ResNet-9
 * generators, ngf = ndf = 64, batch 1, 3 channels, LSGAN + cycle + identity losses, at 64, 128 and
 * 256 px on 1 and 2 threads. Both sides train on the same random images.
 *
 * Every (size, threads, side) runs in a fresh process (once.ts), so the peak RSS it reports (VmHWM)
 * is that case's alone. The sides take turns process by process (ours fp32, ours bf16, PyTorch, then
 * the reverse), so load from other processes lands on all three.
 *
 * The image pools hold 50 fakes; no process runs 50 steps, so a pool only stores and hands back
 * the fake it was given, as the reference step (which has no pool) does. Ours keeps those copies.
 */
import { join } from 'node:path';
import * as E from '../src/engine/index.js';
import { writeSafetensors } from '../src/io/safetensors.js';
import { toStoredMap } from '../src/io/tensor_store.js';
import type { BenchContext, BenchOutput, Benchmark, Table } from './benchmark.js';
import { startLoadMeter } from './load.js';
import { MODEL, type ModelCase } from './model_case.js';
import { busyFootnotes, loadCell, MIN_SPREAD_SAMPLES, spreadCell } from './report.js';
import { median, summarize, type Summary } from './stats.js';
import type { Samples } from './timing.js';

/** What one process measures; bench/train_step_worker.ts and reference/train_step_bench.py read these keys. */
export interface TrainStepCase extends ModelCase {
  size: number;
  threads: number;
  /** safetensors with real_A and real_B, [1, channels, size, size] in [-1, 1]. */
  dataFile: string;
}

/** What a process answers. */
interface ProcessResult extends Samples {
  /** RSS after imports and input loading, before the model exists. */
  baselineRssBytes: number | null;
  /** VmHWM at the end: the most the process ever held. */
  peakRssBytes: number | null;
  /** Ours only: what the addon's caching allocator held (in use, cached, peak). */
  allocator?: ReturnType<typeof E.allocatorStats>;
}

/** Steps per process (the first `warmup` untimed) and processes per side, by image size. */
interface StepPlan {
  warmup: number;
  steps: number;
  processes: number;
}

/**
 * On the 2-core machine of bench/results.json one fp32 step on one thread takes about 1.5 s at
 * 64 px, 5 s at 128 and 18 s at 256, so bigger images get fewer steps: about 15 minutes in all.
 */
const FULL_PLANS: Readonly<Record<number, StepPlan>> = {
  64: { warmup: 2, steps: 6, processes: 3 },
  128: { warmup: 2, steps: 4, processes: 2 },
  // Two processes per side: with one, a single slow stretch of the shared machine moved a 256 px ratio by 15%.
  256: { warmup: 2, steps: 3, processes: 2 },
};
const QUICK_PLANS: Readonly<Record<number, StepPlan>> = {
  64: { warmup: 1, steps: 2, processes: 1 },
  128: { warmup: 1, steps: 1, processes: 1 },
  256: { warmup: 1, steps: 1, processes: 1 },
};
const SIZES = [64, 128, 256];
const THREADS = [1, 2];


const SIDES = [
  { id: 'fp32', label: 'ours fp32', script: 'train_step_worker.js', precision: 'float32' },
  { id: 'bf16', label: 'ours bf16', script: 'train_step_worker.js', precision: 'bfloat16' },
  { id: 'pytorch', label: 'PyTorch fp32', script: 'train_step_bench.py', precision: 'float32' },
] as const;
type SideId = (typeof SIDES)[number]['id'];

interface SideResult {
  /** Every timed step of every process, pooled. */
  seconds: Summary;
  /** Median step of each process: how much processes differ. */
  processMedians: number[];
  faultsPerStep: number;
  /** Median over the side's processes. */
  peakRssBytes: number | null;
  baselineRssBytes: number | null;
  /** What each process reported, in the order they ran. */
  processes: ProcessResult[];
}

export interface TrainStepRow {
  /** 'train-step/64/t1'; the ratios add '/fp32', '/bf16', '/rss-fp32', '/rss-bf16'. */
  key: string;
  size: number;
  threads: number;
  plan: StepPlan;
  /** Added to every process's environment. */
  env: Record<string, string>;
  sides: Record<SideId, SideResult>;
  /** PyTorch's median s/step over ours: above 1 ours is faster. */
  ratio: { fp32: number; bf16: number };
  /** The same from the fastest step of each side. */
  bestRatio: { fp32: number; bf16: number };
  /** PyTorch's peak RSS over ours: above 1 ours needs less. */
  rssRatio: { fp32: number | null; bf16: number | null };
  otherLoad: number | null;
}

const mb = (bytes: number | null): string => (bytes === null ? '-' : String(Math.round(bytes / 2 ** 20)));
const seconds = (s: Summary): string => `${s.median.toPrecision(3)} ${spreadCell(s)}`;
const medianOrNull = (values: (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? median(known) : null;
};

/**
 * OpenBLAS (float32 conv-transpose on both sides) keeps its own thread pool, sized from this
 * variable and not from set_num_threads; unset, a 1-thread PyTorch step was measured using 1.5
 * cores. A fresh process reads it at start, so each case gets its own thread count.
 */
export const blasThreads = (threads: number): Record<string, string> => ({ OPENBLAS_NUM_THREADS: String(threads) });

/** The same random images for both sides, per size. */
export function writeImages(dir: string, size: number): string {
  const file = join(dir, `train-step-${size}.safetensors`);
  E.tidy(() => {
    const shape = [1, MODEL.channels, size, size];
    const realA = E.rand(shape, { seed: 11 }).mul(2).sub(1);
    const realB = E.rand(shape, { seed: 12 }).mul(2).sub(1);
    writeSafetensors(file, toStoredMap([['real_A', realA], ['real_B', realB]]));
  });
  return file;
}

async function measureConfig(ctx: BenchContext, size: number, threads: number, plan: StepPlan, dataFile: string): Promise<TrainStepRow> {
  const results = new Map<SideId, ProcessResult[]>(SIDES.map((s) => [s.id, []]));
  const meter = startLoadMeter([]);
  for (let p = 0; p < plan.processes; p++) {
    for (const side of p % 2 === 0 ? SIDES : [...SIDES].reverse()) {
      const c: TrainStepCase = { ...MODEL, size, threads, dataFile, precision: side.precision };
      const r = await ctx.once<ProcessResult>(side.script, { case: c, warmup: plan.warmup, count: plan.steps }, blasThreads(threads));
      results.get(side.id)!.push(r);
      ctx.progress(`${size}px t${threads} ${side.label} (process ${p + 1}/${plan.processes}): ${median(r.seconds).toPrecision(3)} s/step, peak RSS ${mb(r.peakRssBytes)} MB`);
    }
  }
  const otherLoad = meter.stop();
  const side = (id: SideId): SideResult => {
    const runs = results.get(id)!;
    return {
      seconds: summarize(runs.flatMap((r) => r.seconds)),
      processMedians: runs.map((r) => median(r.seconds)),
      faultsPerStep: runs.reduce((sum, r) => sum + r.minorFaults, 0) / (runs.length * plan.steps),
      peakRssBytes: medianOrNull(runs.map((r) => r.peakRssBytes)),
      baselineRssBytes: medianOrNull(runs.map((r) => r.baselineRssBytes)),
      processes: runs,
    };
  };
  const sides = { fp32: side('fp32'), bf16: side('bf16'), pytorch: side('pytorch') };
  const pt = sides.pytorch;
  const rss = (ours: SideResult): number | null => (ours.peakRssBytes && pt.peakRssBytes ? pt.peakRssBytes / ours.peakRssBytes : null);
  return {
    key: `train-step/${size}/t${threads}`,
    size,
    threads,
    plan,
    env: blasThreads(threads),
    sides,
    ratio: { fp32: pt.seconds.median / sides.fp32.seconds.median, bf16: pt.seconds.median / sides.bf16.seconds.median },
    bestRatio: { fp32: pt.seconds.min / sides.fp32.seconds.min, bf16: pt.seconds.min / sides.bf16.seconds.min },
    rssRatio: { fp32: rss(sides.fp32), bf16: rss(sides.bf16) },
    otherLoad,
  };
}

function trainStepTable(rows: readonly TrainStepRow[], plans: Readonly<Record<number, StepPlan>>): Table {
  const planText = SIZES.map((s) => `${s} px ${plans[s]!.processes} x (${plans[s]!.warmup} warm-up + ${plans[s]!.steps} timed)`).join(', ');
  const baseline = (id: SideId): string => mb(medianOrNull(rows.map((r) => r.sides[id].baselineRssBytes)));
  return {
    header: ['size', 'threads', 'ours fp32 s/step', 'ours bf16 s/step', 'PyTorch fp32 s/step', 'PT/ours fp32', 'PT/ours bf16', 'peak RSS MB fp32/bf16/PT', 'other load'],
    leftColumns: [0],
    body: rows.map((r) => [
      `${r.size}x${r.size}`,
      String(r.threads),
      seconds(r.sides.fp32.seconds),
      seconds(r.sides.bf16.seconds),
      seconds(r.sides.pytorch.seconds),
      r.ratio.fp32.toFixed(3),
      r.ratio.bf16.toFixed(3),
      `${mb(r.sides.fp32.peakRssBytes)}/${mb(r.sides.bf16.peakRssBytes)}/${mb(r.sides.pytorch.peakRssBytes)}`,
      loadCell(r.otherLoad),
    ]),
    notes: [
      `median s/step over all timed steps; each side runs each case in fresh processes, taking turns: ${planText} steps per process;`,
      'threads: libtorch\'s intra-op threads and OpenBLAS\'s (OPENBLAS_NUM_THREADS) on both sides;',
      'PT/ours: PyTorch s/step over ours (>1: ours faster); peak RSS: VmHWM of the process that ran the case;',
      `± is half the IQR over the median; other load: cores busy with other processes meanwhile`,
    ],
    footnotes: [
      `RSS before the model exists (runtime and libraries): ours ${baseline('fp32')} MB, PyTorch ${baseline('pytorch')} MB (median over cases)`,
      ...busyFootnotes(rows.map((r) => r.otherLoad)),
    ],
  };
}

export const trainStepBenchmark: Benchmark = {
  name: 'train-step',
  title: `CycleGAN training step: ResNet-${MODEL.nBlocks} generators, ngf=ndf=${MODEL.ngf}, batch 1, ${MODEL.channels} channels, LSGAN + cycle + identity, pool ${MODEL.poolSize}`,
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const plans = ctx.quick ? QUICK_PLANS : FULL_PLANS;
    const rows: TrainStepRow[] = [];
    for (const size of SIZES) {
      const dataFile = writeImages(ctx.tempDir, size);
      for (const threads of THREADS) {
        const row = await measureConfig(ctx, size, threads, plans[size]!, dataFile);
        rows.push(row);
        ctx.progress(`${row.key}: PyTorch/ours ${row.ratio.fp32.toFixed(3)} (fp32), ${row.ratio.bf16.toFixed(3)} (bf16)`);
      }
    }
    const ratios: Record<string, number> = {};
    for (const r of rows) {
      ratios[`${r.key}/fp32`] = r.ratio.fp32;
      ratios[`${r.key}/bf16`] = r.ratio.bf16;
      if (r.rssRatio.fp32 !== null) ratios[`${r.key}/rss-fp32`] = r.rssRatio.fp32;
      if (r.rssRatio.bf16 !== null) ratios[`${r.key}/rss-bf16`] = r.rssRatio.bf16;
    }
    return {
      table: trainStepTable(rows, plans),
      ratios,
      rows,
      noise: {
        otherLoad: rows.map((r) => r.otherLoad),
        spreads: rows.flatMap((r) => Object.values(r.sides).filter((s) => s.seconds.n >= MIN_SPREAD_SAMPLES).map((s) => s.seconds.relIqr)),
      },
    };
  },
};
