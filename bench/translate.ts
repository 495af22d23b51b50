/**
 * Translation throughput: images per second through one ResNet-9 generator (ngf 64) at 256x256,
 * batch 1, inference (eval mode, no gradients). Four sides with the same weights and the same
 * image: our engine in float32 and with bfloat16 convolutions, onnxruntime-node on the .onnx we
 * export (through loadModelRunner, as `cyclegan predict` runs it), and the PyTorch reference in
 * float32. They take turns in blocks (ABCD, DCBA, ...); before any timing each side's output is
 * compared with PyTorch's, so a fast side that computes something else would show.
 */
import { join } from 'node:path';
import * as E from '../src/engine/index.js';
import { exportGenerator } from '../src/export/index.js';
import { readSafetensors, writeSafetensors } from '../src/io/safetensors.js';
import { toStoredMap } from '../src/io/tensor_store.js';
import { defineG } from '../src/model/networks.js';
import { loadModelRunner, type ModelRunner } from '../src/predict/model_runners/index.js';
import type { BenchContext, BenchOutput, Benchmark, Table } from './benchmark.js';
import { startLoadMeter } from './load.js';
import type { TimingPolicy } from './options.js';
import { busyFootnotes, loadCell, MIN_SPREAD_SAMPLES, spreadCell } from './report.js';
import { summarize, type Summary } from './stats.js';
import { rotate, sample, sampleAsync, type Samples } from './timing.js';

const SIZE = 256;
/** 2 first: the machine's cores, the number that matters most. */
const THREADS = [2, 1];
const GENERATOR = { channels: 3, ngf: 64, nBlocks: 9 } as const;
/** A call takes about a second on one core, so fewer calls than conv's schedule. */
const FULL_POLICY: Readonly<TimingPolicy> = Object.freeze({ warmup: 1, samplesPerBlock: 2, blocks: 6 });
const QUICK_POLICY: Readonly<TimingPolicy> = Object.freeze({ warmup: 1, samplesPerBlock: 1, blocks: 2 });

const SIDES = [
  { id: 'fp32', label: 'ours fp32' },
  { id: 'bf16', label: 'ours bf16' },
  { id: 'onnx', label: 'onnxruntime' },
  { id: 'pytorch', label: 'PyTorch fp32' },
] as const;
type SideId = (typeof SIDES)[number]['id'];
type OursId = Exclude<SideId, 'pytorch'>;
const OURS: readonly OursId[] = ['fp32', 'bf16', 'onnx'];

interface SideResult {
  imagesPerSecond: number;
  seconds: Summary;
  faultsPerCall: number;
}

export interface TranslateRow {
  /** 'translate/256/t2'; the ratios add '/fp32', '/bf16', '/onnx'. */
  key: string;
  size: number;
  threads: number;
  sides: Record<SideId, SideResult>;
  /** Images per second of that side over PyTorch's: above 1 it is faster. */
  ratio: Record<OursId, number>;
  otherLoad: number | null;
}

/** How far each side's output is from PyTorch's on the same image (outputs are in [-1, 1]). */
export type Agreement = Record<OursId, { maxAbsDiff: number; meanAbsDiff: number }>;

function compare(out: Float32Array, expected: Float32Array): { maxAbsDiff: number; meanAbsDiff: number } {
  if (out.length !== expected.length) throw new Error(`translate bench: output has ${out.length} values, PyTorch's ${expected.length}`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < out.length; i++) {
    const d = Math.abs(out[i]! - expected[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { maxAbsDiff: max, meanAbsDiff: sum / out.length };
}

function translateTable(rows: readonly TranslateRow[], policy: Readonly<TimingPolicy>, agreement: Agreement): Table {
  const side = (s: SideResult): string => `${s.imagesPerSecond.toPrecision(3)} ${spreadCell(s.seconds)}`;
  const diff = (id: OursId): string => `${SIDES.find((s) => s.id === id)!.label} ${agreement[id].maxAbsDiff.toExponential(1)}`;
  return {
    header: ['size', 'threads', 'ours fp32 img/s', 'ours bf16 img/s', 'onnxruntime img/s', 'PyTorch fp32 img/s', 'fp32/PT', 'bf16/PT', 'onnx/PT', 'other load'],
    leftColumns: [0],
    body: rows.map((r) => [
      `${r.size}x${r.size}`,
      String(r.threads),
      side(r.sides.fp32),
      side(r.sides.bf16),
      side(r.sides.onnx),
      side(r.sides.pytorch),
      r.ratio.fp32.toFixed(3),
      r.ratio.bf16.toFixed(3),
      r.ratio.onnx.toFixed(3),
      loadCell(r.otherLoad),
    ]),
    notes: [
      `images/s from the median of ${policy.blocks * policy.samplesPerBlock} calls per side (${policy.blocks} blocks taking turns, ${policy.samplesPerBlock} call${policy.samplesPerBlock > 1 ? 's' : ''} after ${policy.warmup} warm-up each);`,
      'X/PT: that side\'s images/s over PyTorch\'s (>1: faster); ± is half the IQR over the median; other load: cores busy with other processes meanwhile;',
      `threads: libtorch's and onnxruntime's intra-op threads; OpenBLAS (float32 conv-transpose on our and PyTorch's side) sizes its pool once per process, from OPENBLAS_NUM_THREADS (${process.env.OPENBLAS_NUM_THREADS ?? 'unset: all cores'})`,
    ],
    footnotes: [`largest |output - PyTorch's| on the same image (outputs in [-1, 1]): ${OURS.map(diff).join(', ')}`, ...busyFootnotes(rows.map((r) => r.otherLoad))],
  };
}

export const translateBenchmark: Benchmark = {
  name: 'translate',
  title: `translation: ResNet-${GENERATOR.nBlocks} generator, ngf ${GENERATOR.ngf}, ${SIZE}x${SIZE}, batch 1, eval, no gradients; the same weights on every side`,
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const policy = ctx.quick ? QUICK_POLICY : FULL_POLICY;
    const reference = await ctx.reference('translate_bench.py');
    E.manualSeed(3);
    const net = defineG(GENERATOR).eval();
    const x = E.keep(E.tidy(() => E.rand([1, GENERATOR.channels, SIZE, SIZE], { seed: 4 }).mul(2).sub(1)));
    const shape: [number, number, number, number] = [1, GENERATOR.channels, SIZE, SIZE];
    const input = x.toFloat32();
    const weightsFile = join(ctx.tempDir, 'translate.safetensors');
    const referenceOut = join(ctx.tempDir, 'translate-pytorch.safetensors');
    const onnxFile = join(ctx.tempDir, 'translate.onnx');
    writeSafetensors(weightsFile, toStoredMap([...net.namedParameters('generator.'), ['input', x]]));
    exportGenerator(net, 'onnx', onnxFile);
    const runners = new Map<number, ModelRunner>();
    try {
      await reference.call('prepare', { file: weightsFile, outFile: referenceOut, ...GENERATOR });
      const expected = readSafetensors(referenceOut).tensors.get('output')!.data as Float32Array;
      for (const threads of THREADS) runners.set(threads, await loadModelRunner(onnxFile, { threads }));

      // The forward that translation runs: norms fused with the ReLU and padding after them.
      const fused = E.fusedForward(net);
      const ours = (precision: E.ConvolutionPrecision): Float32Array =>
        E.tidy(() => E.withConvolutionPrecision(precision, () => E.noGrad(() => fused(x).toFloat32())));
      const agreement: Agreement = {
        fp32: compare(ours('float32'), expected),
        bf16: compare(ours('bfloat16'), expected),
        onnx: compare(await runners.get(THREADS[0])!.translate(input, shape), expected),
      };
      ctx.progress(`largest difference from PyTorch: fp32 ${agreement.fp32.maxAbsDiff.toExponential(1)}, bf16 ${agreement.bf16.maxAbsDiff.toExponential(1)}, onnx ${agreement.onnx.maxAbsDiff.toExponential(1)}`);

      const rows: TranslateRow[] = [];
      for (const threads of THREADS) {
        const runner = runners.get(threads)!;
        const forward = (precision: E.ConvolutionPrecision) => (warmup: number, count: number) => {
          E.setNumThreads(threads);
          return sample(() => E.tidy(() => E.withConvolutionPrecision(precision, () => E.noGrad(() => void fused(x)))), warmup, count);
        };
        const meter = startLoadMeter([reference.pid]);
        const [fp32, bf16, onnx, pytorch] = await rotate(
          [
            forward('float32'),
            forward('bfloat16'),
            (warmup, count) => sampleAsync(() => runner.translate(input, shape), warmup, count),
            (warmup, count) => reference.measure({ threads }, { warmup }, count),
          ],
          policy,
        );
        const otherLoad = meter.stop();
        const result = (s: Samples): SideResult => {
          const seconds = summarize(s.seconds);
          return { imagesPerSecond: 1 / seconds.median, seconds, faultsPerCall: s.minorFaults / s.seconds.length };
        };
        const sides = { fp32: result(fp32), bf16: result(bf16), onnx: result(onnx), pytorch: result(pytorch) };
        const ratio = (id: OursId): number => sides[id].imagesPerSecond / sides.pytorch.imagesPerSecond;
        const row: TranslateRow = { key: `translate/${SIZE}/t${threads}`, size: SIZE, threads, sides, ratio: { fp32: ratio('fp32'), bf16: ratio('bf16'), onnx: ratio('onnx') }, otherLoad };
        rows.push(row);
        ctx.progress(`${row.key}: ${SIDES.map((s) => `${s.label} ${sides[s.id].imagesPerSecond.toPrecision(3)}`).join(', ')} img/s`);
      }
      return {
        table: translateTable(rows, policy, agreement),
        ratios: Object.fromEntries(rows.flatMap((r) => OURS.map((id) => [`${r.key}/${id}`, r.ratio[id]]))),
        rows,
        details: { policy, agreement },
        noise: { otherLoad: rows.map((r) => r.otherLoad), spreads: rows.flatMap((r) => Object.values(r.sides).filter((s) => s.seconds.n >= MIN_SPREAD_SAMPLES).map((s) => s.seconds.relIqr)) },
      };
    } finally {
      for (const r of runners.values()) r.dispose();
      net.dispose();
      x.dispose();
      reference.close();
    }
  },
};
