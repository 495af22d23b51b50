/**
 * Are our translations as good as the reference's? Trains our product (`train()`, as `cyclegan
 * train` runs it) and the reference's own training loop (reference/quality_parity_train.py: its
 * unaligned sampling, image pool, schedule and augmentation, on its networks under PyTorch) on the
 * same paired-for-scoring data (quality_parity_data.ts: day -> night crops of NASA's world maps),
 * with the same budget and settings, at several seeds, then scores both the same way: each side's
 * final X->Y generator translates the unseen test day crops on our engine, the output is rounded to
 * 8 bits as Data/ images are, and the score is the mean absolute difference from the same places
 * at night, in 0-255 levels (lower is better).
 *
 * Each seed runs ours and the reference at once, one thread each, so the two share the machine
 * alike. Then our other variants (other defaults) run at the same seeds, two at a time.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeResized, loadImage } from '../src/data/decode.js';
import * as E from '../src/engine/index.js';
import { loadGenerator } from '../src/io/checkpoint.js';
import type { BenchContext, BenchOutput, Benchmark } from './benchmark.js';
import { qualityData, type QualityData } from './quality_parity_data.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));

/** One training run, as both sides take it. */
export interface ParityRunCase {
  source: string;
  target: string;
  /** Ours: the run folder; the reference: the generator file to write. */
  out: string;
  size: number;
  ngf: number;
  ndf: number;
  n_blocks: number;
  g_lr: number;
  d_lr: number;
  epochs: number;
  seed: number;
  threads: number;
  pool_size: number;
  flip: boolean;
  load_scale: number;
  /** Ours only: further parameters of this variant. */
  extra: Record<string, unknown>;
}

interface Plan {
  train: number;
  test: number;
  size: number;
  ngf: number;
  n_blocks: number;
  epochs: number;
  seeds: number[];
}

/**
 * The full plan: 32 px, ngf = ndf = 16, 6 blocks, the spec's learning rates, 200 crops per domain,
 * 6 epochs (1,200 steps), 3 seeds: sized for about 30 minutes on 2 quiet cores. QUALITY_PARITY_PLAN
 * (JSON, any of these fields) overrides it, e.g. '{"ngf": 32, "epochs": 12}' for a longer run.
 */
const FULL: Plan = { train: 200, test: 100, size: 32, ngf: 16, n_blocks: 6, epochs: 6, seeds: [1, 2, 3] };
const QUICK: Plan = { train: 24, test: 12, size: 32, ngf: 8, n_blocks: 2, epochs: 2, seeds: [1, 2] };

function planOf(quick: boolean): Plan {
  const override = process.env.QUALITY_PARITY_PLAN;
  return { ...(quick ? QUICK : FULL), ...(override ? (JSON.parse(override) as Partial<Plan>) : {}) };
}

/** The reference's settings, which both sides train with in the parity rows. */
const REFERENCE_SETTINGS = { pool_size: 50, flip: true, load_scale: 1.12 } as const;

/** Our variants: the parity row (reference settings) first, then candidate defaults, each with what it changes. */
const VARIANTS: readonly { id: string; label: string; settings: typeof REFERENCE_SETTINGS | { pool_size: number; flip: boolean; load_scale: number }; extra: Record<string, unknown> }[] = [
  { id: 'ours', label: 'ours, reference settings', settings: REFERENCE_SETTINGS, extra: { preprocess: 'resize_and_crop' } },
  { id: 'ours-pad', label: 'ours, defaults (pad_and_crop: shifts, no zoom)', settings: REFERENCE_SETTINGS, extra: { preprocess: 'pad_and_crop' } },
  { id: 'ours-no-crop', label: 'ours, load_scale 1 (no crops)', settings: { ...REFERENCE_SETTINGS, load_scale: 1 }, extra: { preprocess: 'resize_and_crop' } },
  { id: 'ours-ema', label: 'ours, defaults + ema_decay 0.999 (generator weight average)', settings: REFERENCE_SETTINGS, extra: { preprocess: 'pad_and_crop', ema_decay: 0.999 } },
];

interface Scored {
  side: string;
  seed: number;
  /** Mean absolute difference from the night ground truth, 0-255 levels. */
  l1: number;
  trainSeconds: number;
}

/** 8-bit levels as written to Data/: round((y + 1) * 127.5), clamped. */
function toLevels(y: number): number {
  return Math.min(255, Math.max(0, Math.round((y + 1) * 127.5)));
}

/** Translates every test day crop with the generator in `weights`; mean absolute difference from the night crops. */
async function score(weights: string, data: QualityData, names: readonly string[], size: number): Promise<number> {
  const { net } = loadGenerator(weights);
  try {
    let sum = 0;
    let count = 0;
    for (const name of names) {
      const input = await loadImage(join(data.testDay, name), { channels: 3, height: size, width: size });
      const truth = await decodeResized(join(data.testNight, name), 3, size, size); // HWC
      const out = E.noGrad(() => E.tidy(() => E.fusedForward(net)(E.tensor(input, [1, 3, size, size])).toFloat32()));
      const plane = size * size;
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < plane; i++) sum += Math.abs(toLevels(out[c * plane + i]!) - truth[i * 3 + c]!);
      }
      count += 3 * plane;
    }
    return sum / count;
  } finally {
    net.dispose();
  }
}

/** What a generator that learnt nothing scores: the test day crops themselves against the night ones. */
async function identityScore(data: QualityData, names: readonly string[], size: number): Promise<number> {
  let sum = 0;
  let count = 0;
  for (const name of names) {
    const day = await decodeResized(join(data.testDay, name), 3, size, size);
    const night = await decodeResized(join(data.testNight, name), 3, size, size);
    for (let i = 0; i < day.length; i++) sum += Math.abs(day[i]! - night[i]!);
    count += day.length;
  }
  return sum / count;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n - 1). */
const std = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

export const qualityParityBenchmark: Benchmark = {
  name: 'quality-parity',
  title: 'translation quality against the reference training loop: day -> night crops, same data, budget and settings, scored on unseen pairs (L1 in 0-255 levels, lower is better)',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const plan = planOf(ctx.quick);
    const data = await qualityData(join(repoRoot, 'bench', 'tmp'), { train: plan.train, test: plan.test });
    const names = readdirSync(data.testDay).sort();
    const base = (seed: number, out: string): ParityRunCase => ({
      source: data.trainDay,
      target: data.trainNight,
      out,
      size: plan.size,
      ngf: plan.ngf,
      ndf: plan.ngf,
      n_blocks: plan.n_blocks,
      g_lr: 1e-4,
      d_lr: 1e-4,
      epochs: plan.epochs,
      seed,
      threads: 1,
      ...REFERENCE_SETTINGS,
      extra: {},
    });
    const runs = join(ctx.tempDir, 'quality-parity');
    mkdirSync(runs, { recursive: true });
    // OpenBLAS (the float32 conv-transpose on both sides) sizes its pool once per process: one thread, as libtorch's.
    const env = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
    const scored: Scored[] = [];
    const ours = async (variant: (typeof VARIANTS)[number], seed: number): Promise<void> => {
      const c = { ...base(seed, join(runs, `${variant.id}-${seed}`)), ...variant.settings, extra: variant.extra };
      const r = await ctx.once<{ weights: string; seconds: number }>('quality_parity_worker.js', { case: c, warmup: 0, count: 1 }, env);
      scored.push({ side: variant.id, seed, l1: await score(r.weights, data, names, plan.size), trainSeconds: r.seconds });
    };
    const reference = async (seed: number): Promise<void> => {
      const c = base(seed, join(runs, `reference-${seed}.safetensors`));
      const r = await ctx.once<{ weights: string; seconds: number }>('quality_parity_train.py', { case: c, warmup: 0, count: 1 }, env);
      scored.push({ side: 'reference', seed, l1: await score(r.weights, data, names, plan.size), trainSeconds: r.seconds });
    };

    const steps = plan.epochs * plan.train;
    for (const seed of plan.seeds) {
      ctx.progress(`seed ${seed}: ours and the reference, ${steps} steps each`);
      await Promise.all([ours(VARIANTS[0]!, seed), reference(seed)]);
    }
    const others = VARIANTS.slice(1).flatMap((v) => plan.seeds.map((seed) => [v, seed] as const));
    for (let i = 0; i < others.length; i += 2) {
      ctx.progress(`variants: ${others.slice(i, i + 2).map(([v, s]) => `${v.id} seed ${s}`).join(', ')}`);
      await Promise.all(others.slice(i, i + 2).map(([v, s]) => ours(v, s)));
    }

    const sides = [{ id: 'reference', label: 'reference loop (PyTorch)' }, ...VARIANTS.map((v) => ({ id: v.id, label: v.label }))];
    const summary = sides.map((s) => {
      const rows = plan.seeds.map((seed) => scored.find((r) => r.side === s.id && r.seed === seed)!);
      const l1 = rows.map((r) => r.l1);
      return { ...s, perSeed: l1, mean: mean(l1), std: std(l1), min: Math.min(...l1), max: Math.max(...l1), secondsPerStep: mean(rows.map((r) => r.trainSeconds)) / steps };
    });
    const ref = summary[0]!;
    const identity = await identityScore(data, names, plan.size);
    const ratios: Record<string, number> = {};
    const headline: Record<string, number> = {};
    for (const s of summary.slice(1)) {
      ratios[`quality-parity/${s.id}/l1`] = ref.mean / s.mean;
      headline[`quality-parity/${s.id}/l1-vs-reference`] = (s.mean - ref.mean) / ref.mean;
    }
    return {
      table: {
        header: ['side', ...plan.seeds.map((s) => `seed ${s}`), 'mean', 'std', 'vs reference', 's/step'],
        leftColumns: [0],
        body: summary.map((s) => [
          s.label,
          ...s.perSeed.map((x) => x.toFixed(2)),
          s.mean.toFixed(2),
          s.std.toFixed(2),
          s === ref ? '-' : `${(((s.mean - ref.mean) / ref.mean) * 100).toFixed(1)}%`,
          s.secondsPerStep.toFixed(3),
        ]),
        notes: [
          `${plan.train} day and ${plan.train} night training crops (disjoint places), ${plan.test} unseen test pairs, ${plan.size} px, ngf = ndf = ${plan.ngf}, ${plan.n_blocks} blocks,`,
          `${plan.epochs} epochs (${steps} steps), learning rates 1e-4, linear decay over the second half; reference settings: pool 50, flips, load_scale 1.12; 1 thread per run, two runs at a time.`,
          `An untrained identity map scores ${identity.toFixed(2)}.`,
        ],
        footnotes: ['std is the sample standard deviation over seeds; the parity target is our mean within the reference\'s seed spread.'],
      },
      ratios,
      headline,
      rows: summary,
      details: { plan, identity, runs: scored },
      noise: { otherLoad: [], spreads: summary.map((s) => (s.mean ? s.std / s.mean : 0)) },
    };
  },
};
