/**
 * conv2d throughput, ours against PyTorch: 3x3 kernel, padding 1, stride 1, batch 1, no bias,
 * float32 contiguous NCHW, at the two sizes that dominate the ResNet generator's cost.
 * FLOPs count a multiply-add as two; backward (grad-input + grad-weight) counts twice forward.
 */
import * as E from '../src/engine/index.js';
import type { BenchContext, BenchOutput, Benchmark, Table } from './benchmark.js';
import { startLoadMeter } from './load.js';
import type { TimingPolicy } from './options.js';
import { busyFootnotes, loadCell, pct } from './report.js';
import { summarize, type Summary } from './stats.js';
import { interleave, sample, type Samples } from './timing.js';

/** One compared measurement: a row of the table and an entry of the ratios line. */
export interface ConvRow {
  /** Stable key for the ratios line and results.json, e.g. 'conv/64x64x128/t1/fwd'. */
  key: string;
  shape: string;
  threads: number;
  pass: ConvPass;
  unit: 'GFLOPS';
  higherIsBetter: true;
  /** Median-based values. */
  ours: number;
  reference: number;
  /** ours / reference of the metric above (PyTorch's seconds over ours). */
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

export type ConvPass = 'fwd' | 'fwd+bwd';

/** The request bench/reference/conv_bench.py reads; keys must match it. */
export interface ConvCase {
  batch: number;
  inChannels: number;
  outChannels: number;
  height: number;
  width: number;
  kernel: number;
  padding: number;
  threads: number;
  pass: ConvPass;
}

/** [spatial size, channels]: 64x64 with 128 channels and 128x128 with 64 channels (equal FLOPs). */
const SHAPES: readonly [number, number][] = [
  [64, 128],
  [128, 64],
];
const THREADS = [1, 2];
const PASSES: readonly ConvPass[] = ['fwd', 'fwd+bwd'];

export function convCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const [size, channels] of SHAPES) {
    for (const threads of THREADS) {
      for (const pass of PASSES) {
        cases.push({ batch: 1, inChannels: channels, outChannels: channels, height: size, width: size, kernel: 3, padding: 1, threads, pass });
      }
    }
  }
  return cases;
}

const outSize = (c: ConvCase, size: number): number => size + 2 * c.padding - c.kernel + 1;

/** Floating-point operations of one call of this case. */
export function convFlops(c: ConvCase): number {
  const forward = 2 * c.batch * c.outChannels * outSize(c, c.height) * outSize(c, c.width) * c.inChannels * c.kernel * c.kernel;
  return c.pass === 'fwd' ? forward : 3 * forward;
}

const shapeLabel = (c: ConvCase): string => `${c.height}x${c.width}x${c.inChannels}`;

interface ConvTensors {
  x: E.Tensor;
  weight: E.Tensor;
  /** The fixed upstream gradient handed to backward. */
  up: E.Tensor;
}

function makeTensors(c: ConvCase): ConvTensors {
  const x = E.randn([c.batch, c.inChannels, c.height, c.width], { seed: 1 });
  const weight = E.randn([c.outChannels, c.inChannels, c.kernel, c.kernel], { seed: 2 });
  const up = E.randn([c.batch, c.outChannels, outSize(c, c.height), outSize(c, c.width)], { seed: 3 });
  for (const t of [x, weight, up]) {
    if (!t.isContiguous() || t.dtype !== 'float32') throw new Error(`conv bench: expected contiguous float32 NCHW, got ${t}`);
  }
  x.requiresGrad = true;
  weight.requiresGrad = true;
  return { x, weight, up };
}

/** Times our engine on one case: `count` calls after `warmup`. */
function measureOurs(c: ConvCase, t: ConvTensors, warmup: number, count: number): Samples {
  E.setNumThreads(c.threads);
  const options = { padding: c.padding };
  if (c.pass === 'fwd') {
    const forward = (): void => E.tidy(() => E.noGrad(() => void E.conv2d(t.x, t.weight, null, options)));
    return sample(forward, warmup, count);
  }
  // Gradients are dropped (set to none) before each call, untimed, so no call pays for accumulation.
  const reset = (): void => E.zeroGrad([t.x, t.weight]);
  const forwardBackward = (): void => E.tidy(() => E.conv2d(t.x, t.weight, null, options).backward(t.up));
  return sample(forwardBackward, warmup, count, reset);
}

/** Columns: shape, threads, pass, ours, PyTorch, ratio; spreads are half the IQR over the median. */
function convTable(rows: readonly ConvRow[], policy: Readonly<TimingPolicy>): Table {
  const samples = policy.blocks * policy.samplesPerBlock;
  return {
    header: ['shape', 'threads', 'pass', 'ours GFLOPS', 'PyTorch GFLOPS', 'ratio ours/PyTorch', 'best ratio', 'faults/call ours/PT', 'other load'],
    leftColumns: [0, 2],
    body: rows.map((r) => [
      r.shape,
      String(r.threads),
      r.pass,
      `${r.ours.toFixed(1)} ${pct(r.oursSeconds.relIqr)}`,
      `${r.reference.toFixed(1)} ${pct(r.referenceSeconds.relIqr)}`,
      r.ratio.toFixed(3),
      r.bestRatio.toFixed(3),
      `${Math.round(r.oursFaultsPerCall)}/${Math.round(r.referenceFaultsPerCall)}`,
      loadCell(r.otherLoad),
    ]),
    notes: [
      `median of ${samples} calls per side (${policy.blocks} alternating blocks of ${policy.samplesPerBlock}, ${policy.warmup} warm-up each); ± is half the IQR over the median;`,
      'best ratio: from the fastest call of each side; faults: minor page faults per call; other load: cores busy with other processes meanwhile',
    ],
    footnotes: busyFootnotes(rows.map((r) => r.otherLoad)),
  };
}

export const convBenchmark: Benchmark = {
  name: 'conv',
  title: 'conv2d 3x3, stride 1, padding 1, batch 1, no bias, float32 NCHW',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const reference = await ctx.reference('conv_bench.py');
    const tensors = new Map<string, ConvTensors>();
    const rows: ConvRow[] = [];
    try {
      for (const c of convCases()) {
        const shape = shapeLabel(c);
        const t = tensors.get(shape) ?? makeTensors(c);
        tensors.set(shape, t);
        const meter = startLoadMeter([reference.pid]);
        const { ours, reference: ref } = await interleave(
          (warmup, count) => measureOurs(c, t, warmup, count),
          (warmup, count) => reference.measure(c, { warmup }, count),
          ctx.policy,
        );
        const otherLoad = meter.stop();
        const flops = convFlops(c);
        const oursSeconds = summarize(ours.seconds);
        const referenceSeconds = summarize(ref.seconds);
        const gflops = (seconds: number): number => flops / seconds / 1e9;
        const row: ConvRow = {
          key: `conv/${shape}/t${c.threads}/${c.pass}`,
          shape,
          threads: c.threads,
          pass: c.pass,
          unit: 'GFLOPS',
          higherIsBetter: true,
          ours: gflops(oursSeconds.median),
          reference: gflops(referenceSeconds.median),
          ratio: referenceSeconds.median / oursSeconds.median,
          bestRatio: referenceSeconds.min / oursSeconds.min,
          oursSeconds,
          referenceSeconds,
          oursFaultsPerCall: ours.minorFaults / ours.seconds.length,
          referenceFaultsPerCall: ref.minorFaults / ref.seconds.length,
          otherLoad,
        };
        rows.push(row);
        ctx.progress(`${row.key}: ours ${row.ours.toFixed(1)}, PyTorch ${row.reference.toFixed(1)} GFLOPS (ratio ${row.ratio.toFixed(3)})`);
      }
    } finally {
      for (const t of tensors.values()) E.dispose(t);
      reference.close();
    }
    return {
      table: convTable(rows, ctx.policy),
      ratios: Object.fromEntries(rows.map((r) => [r.key, r.ratio])),
      rows,
      noise: { otherLoad: rows.map((r) => r.otherLoad), spreads: rows.flatMap((r) => [r.oursSeconds.relIqr, r.referenceSeconds.relIqr]) },
    };
  },
};
