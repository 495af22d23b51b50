/**
 * Does bfloat16 train as well as float32? On a fixed small dataset and seed (the demo's day -> night
 * at 64 px with the demo's network: ngf = ndf = 32, 6 residual blocks, learning rates 2e-4), trains
 * the same number of steps in each precision from the same initial weights on the same images in
 * the same order, then compares the mean losses of the last steps and the translation error on the
 * 16 paired crops: mean absolute error of G_A(day) against the same place at night, in the
 * network's [-1, 1] units. A third run, float32 with another seed (other initial weights and pool
 * draws), is the yardstick: how far two float32 runs that differ only in their random draws land apart.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadImage } from '../src/data/decode.js';
import { Rng } from '../src/engine/rng.js';
import * as E from '../src/engine/index.js';
import { CycleGan, lossNames, type Losses } from '../src/model/cyclegan.js';
import type { BenchContext, BenchOutput, Benchmark, Table } from './benchmark.js';
import { median } from './stats.js';

const SIZE = 64;
const THREADS = 2;
const NETWORK = { channels: 3, ngf: 32, ndf: 32, nBlocks: 6, gLearningRate: 2e-4, dLearningRate: 2e-4, lambdaCycle: 10, lambdaIdentity: 0.5, poolSize: 50 } as const;
/** Steps per run and how many of the last ones the losses are averaged over. */
const FULL = { steps: 100, last: 20 } as const;
const QUICK = { steps: 30, last: 10 } as const;
/** The target: bfloat16 within this relative difference of float32. */
const TOLERANCE = 0.05;

const RUNS = [
  { id: 'fp32', precision: 'float32', seed: 1 },
  { id: 'bf16', precision: 'bfloat16', seed: 1 },
  { id: 'fp32-seed2', precision: 'float32', seed: 2 },
] as const;
type RunId = (typeof RUNS)[number]['id'];

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
const demo = join(repoRoot, 'data', 'demo');

/** The measures compared: each loss, the generators' and discriminators' totals, and the translation error. */
const MEASURES = [...lossNames, 'G_total', 'D_total', 'paired_MAE'] as const;
type Measure = (typeof MEASURES)[number];

interface RunResult {
  precision: E.ConvolutionPrecision;
  seed: number;
  /** Losses of every step, in order. */
  losses: Losses[];
  /** Mean of each measure over the last steps (losses) or over the paired crops (MAE). */
  values: Record<Measure, number>;
  medianSecondsPerStep: number;
}

export interface QualityResult {
  steps: number;
  lastSteps: number;
  /** MAE of the untranslated day crops against night: what a generator that learnt nothing scores. */
  identityMAE: number;
  runs: Record<RunId, RunResult>;
  /** (bf16 - fp32) / |fp32|, and the same for the yardstick (fp32 seed 2 against fp32 seed 1). */
  bf16VsFp32: Record<Measure, number>;
  seed2VsSeed1: Record<Measure, number>;
}

const images = (folder: string): string[] =>
  readdirSync(folder)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()
    .map((f) => join(folder, f));

async function load(paths: readonly string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const p of paths) out.push(await loadImage(p, { channels: NETWORK.channels, height: SIZE, width: SIZE }));
  return out;
}

/** CHW images one after another: the values of an NCHW batch. */
function concat(items: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(items.reduce((n, a) => n + a.length, 0));
  items.reduce((offset, a) => (out.set(a, offset), offset + a.length), 0);
  return out;
}

const batch = (items: readonly Float32Array[]): E.Tensor => E.tensor(concat(items), [items.length, NETWORK.channels, SIZE, SIZE]);

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const relDiff = (x: number, base: number): number => (x - base) / Math.abs(base);

interface Data {
  day: Float32Array[];
  night: Float32Array[];
  pairedDay: Float32Array[];
  pairedNight: Float32Array[];
}

function train(run: (typeof RUNS)[number], data: Data, plan: { steps: number; last: number }): { result: RunResult; initChecksum: number } {
  E.setNumThreads(THREADS);
  E.manualSeed(run.seed);
  const rng = new Rng(run.seed);
  const model = new CycleGan({ ...NETWORK, poolRng: rng, precision: run.precision });
  try {
    const initChecksum = E.tidy(() => model.netG_A.parameters()[0]!.abs().sum().item());
    const losses: Losses[] = [];
    const seconds: number[] = [];
    for (let i = 0; i < plan.steps; i++) {
      // A fixed order: step i trains on the i-th day and the i-th night image (sorted by name).
      const t0 = process.hrtime.bigint();
      losses.push(E.tidy(() => model.trainStep(batch([data.day[i % data.day.length]!]), batch([data.night[i % data.night.length]!]))));
      seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    const last = losses.slice(-plan.last);
    const values = Object.fromEntries(lossNames.map((n) => [n, mean(last.map((l) => l[n]))])) as Record<Measure, number>;
    values.G_total = values.G_A + values.G_B + values.cycle_A + values.cycle_B + values.idt_A + values.idt_B;
    values.D_total = values.D_A + values.D_B;
    const translated = E.tidy(() => model.translate(batch(data.pairedDay), 'AtoB').toFloat32());
    values.paired_MAE = meanAbsDiff(translated, concat(data.pairedNight));
    return { result: { precision: run.precision, seed: run.seed, losses, values, medianSecondsPerStep: median(seconds) }, initChecksum };
  } finally {
    model.dispose();
  }
}

function qualityTable(q: QualityResult): Table {
  const value = (x: number): string => x.toPrecision(4);
  const signed = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  const runs = q.runs;
  return {
    header: ['measure', 'fp32', 'bf16', 'bf16 vs fp32', 'fp32 seed 2 vs seed 1', `bf16 within ${TOLERANCE * 100}%`],
    leftColumns: [0],
    body: MEASURES.map((m) => [
      m === 'paired_MAE' ? 'paired MAE G_A(day) vs night' : m.endsWith('_total') ? m.replace('_total', ' total') : `loss ${m}`,
      value(runs.fp32.values[m]),
      value(runs.bf16.values[m]),
      signed(q.bf16VsFp32[m]),
      signed(q.seed2VsSeed1[m]),
      Math.abs(q.bf16VsFp32[m]) <= TOLERANCE ? 'yes' : 'no',
    ]),
    notes: [
      `${q.steps} steps per run at ${SIZE} px, batch 1, ${THREADS} threads, the same images in the same order; losses: mean of the last ${q.lastSteps} steps;`,
      'paired MAE: the 16 paired day crops translated by G_A against their night ground truth, in [-1, 1] units;',
      'fp32 seed 2 vs seed 1: other initial weights and pool draws, the spread to expect between two float32 runs',
    ],
    footnotes: [
      `untranslated day vs night MAE: ${value(q.identityMAE)} (a generator that learnt nothing); s/step: fp32 ${runs.fp32.medianSecondsPerStep.toPrecision(3)}, bf16 ${runs.bf16.medianSecondsPerStep.toPrecision(3)}`,
    ],
  };
}

export const qualityBenchmark: Benchmark = {
  name: 'quality',
  title: `bf16 against fp32 training: demo day -> night, ${SIZE} px, ngf=ndf=${NETWORK.ngf}, ${NETWORK.nBlocks} blocks, fixed seed and image order`,
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const plan = ctx.quick ? QUICK : FULL;
    const day = images(join(demo, 'day')).slice(0, plan.steps);
    const night = images(join(demo, 'night')).slice(0, plan.steps);
    const pairedDay = images(join(demo, 'paired', 'day'));
    const pairedNight = pairedDay.map((p) => join(demo, 'paired', 'night', p.slice(p.lastIndexOf('/') + 1)));
    ctx.progress(`loading ${day.length} + ${night.length} training images and ${pairedDay.length} pairs at ${SIZE} px`);
    const data: Data = { day: await load(day), night: await load(night), pairedDay: await load(pairedDay), pairedNight: await load(pairedNight) };

    const results = {} as Record<RunId, RunResult>;
    const checksums = new Map<number, number>();
    for (const run of RUNS) {
      const { result, initChecksum } = train(run, data, plan);
      const same = checksums.get(run.seed);
      if (same !== undefined && same !== initChecksum) throw new Error(`quality bench: runs with seed ${run.seed} started from different weights (${same} vs ${initChecksum})`);
      checksums.set(run.seed, initChecksum);
      results[run.id] = result;
      ctx.progress(`${run.id}: G total ${result.values.G_total.toFixed(4)}, paired MAE ${result.values.paired_MAE.toFixed(4)}, ${result.medianSecondsPerStep.toFixed(3)} s/step`);
    }
    const compare = (a: RunResult, b: RunResult): Record<Measure, number> => Object.fromEntries(MEASURES.map((m) => [m, relDiff(a.values[m], b.values[m])])) as Record<Measure, number>;
    const q: QualityResult = {
      steps: plan.steps,
      lastSteps: plan.last,
      identityMAE: meanAbsDiff(concat(data.pairedDay), concat(data.pairedNight)),
      runs: results,
      bf16VsFp32: compare(results.bf16, results.fp32),
      seed2VsSeed1: compare(results['fp32-seed2'], results.fp32),
    };
    return {
      table: qualityTable(q),
      ratios: {},
      headline: {
        'quality/bf16-vs-fp32/paired_MAE': q.bf16VsFp32.paired_MAE,
        'quality/bf16-vs-fp32/G_total': q.bf16VsFp32.G_total,
        'quality/bf16-vs-fp32/D_total': q.bf16VsFp32.D_total,
        'quality/seed2-vs-seed1/paired_MAE': q.seed2VsSeed1.paired_MAE,
        'quality/seed2-vs-seed1/G_total': q.seed2VsSeed1.G_total,
      },
      rows: [q],
      // Not a timing: other load does not change these numbers.
      noise: { otherLoad: [], spreads: [] },
    };
  },
};
