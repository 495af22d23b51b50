/**
 * Feature extraction for the quality metrics: images per second through the InceptionV3 of src/metrics/
 * (nsfwjs's Keras weights, batch norms folded) at 299x299 up to mixed10, batch 4, no gradients; against
 * PyTorch running the same layer graph with the same weights (bench/reference/features_bench.py builds it
 * from torch.nn.functional ops, folding batch norms the same way). Before any timing both sides' pool and
 * mixed5 features of the same batch are compared.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../src/engine/index.js';
import { readSafetensors, writeSafetensors } from '../src/io/safetensors.js';
import { toStoredMap } from '../src/io/tensor_store.js';
import { InceptionExtractor } from '../src/metrics/inception_extractor.js';
import { loadNsfwjsModel } from '../src/metrics/nsfwjs_weights.js';
import type { BenchContext, BenchOutput, Benchmark } from './benchmark.js';
import { startLoadMeter } from './load.js';
import type { TimingPolicy } from './options.js';
import { busyFootnotes, loadCell, MIN_SPREAD_SAMPLES, spreadCell } from './report.js';
import { summarize, type Summary } from './stats.js';
import { interleave, sample } from './timing.js';

const SIZE = 299;
const BATCH = 4;
const THREADS = [2, 1];
/** A call is several seconds on 2 cores: few of them. */
const FULL_POLICY: Readonly<TimingPolicy> = Object.freeze({ warmup: 1, samplesPerBlock: 1, blocks: 4 });
const QUICK_POLICY: Readonly<TimingPolicy> = Object.freeze({ warmup: 1, samplesPerBlock: 1, blocks: 1 });

interface SideResult {
  imagesPerSecond: number;
  seconds: Summary;
}

interface FeaturesRow {
  key: string;
  threads: number;
  ours: SideResult;
  pytorch: SideResult;
  /** Our images per second over PyTorch's. */
  ratio: number;
  otherLoad: number | null;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`features bench: ${a.length} values against PyTorch's ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export const featuresBenchmark: Benchmark = {
  name: 'features',
  title: `feature extraction: InceptionV3 (nsfwjs's Keras weights) to mixed10, ${SIZE}x${SIZE}, batch ${BATCH}, no gradients; the same weights on both sides`,
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const policy = ctx.quick ? QUICK_POLICY : FULL_POLICY;
    const reference = await ctx.reference('features_bench.py');
    const model = await loadNsfwjsModel();
    const extractor = InceptionExtractor.fromModel(model);
    const x = E.keep(E.tidy(() => E.rand([BATCH, 3, SIZE, SIZE], { seed: 4 }).mul(2).sub(1)));
    try {
      const weightsFile = join(ctx.tempDir, 'inception.safetensors');
      const layersFile = join(ctx.tempDir, 'inception_layers.json');
      const outFile = join(ctx.tempDir, 'inception-pytorch.safetensors');
      const stored = E.tidy(() => toStoredMap([...[...model.weights].map(([name, w]) => [name, E.tensor(w.values, w.shape)] as [string, E.Tensor]), ['input', x]]));
      writeSafetensors(weightsFile, stored);
      writeFileSync(layersFile, JSON.stringify(model.layers));
      await reference.call('prepare', { file: weightsFile, layers: layersFile, outFile });
      const expected = readSafetensors(outFile).tensors;
      const ours = E.tidy(() => {
        const f = extractor.extract(x);
        return { pool: f.pool!.toFloat32(), mixed5: f.mixed5!.toFloat32() };
      });
      const agreement = {
        pool: maxAbsDiff(ours.pool, expected.get('pool')!.data as Float32Array),
        mixed5: maxAbsDiff(ours.mixed5, expected.get('mixed5')!.data as Float32Array),
      };
      ctx.progress(`largest feature difference from PyTorch: pool ${agreement.pool.toExponential(1)}, mixed5 ${agreement.mixed5.toExponential(1)}`);

      const rows: FeaturesRow[] = [];
      for (const threads of THREADS) {
        const meter = startLoadMeter([reference.pid]);
        const { ours: oursSamples, reference: theirs } = await interleave(
          (warmup, count) => {
            E.setNumThreads(threads);
            return sample(() => E.tidy(() => void extractor.extract(x)), warmup, count);
          },
          (warmup, count) => reference.measure({ threads }, { warmup }, count),
          policy,
        );
        const otherLoad = meter.stop();
        const side = (s: { seconds: number[] }): SideResult => {
          const seconds = summarize(s.seconds);
          return { imagesPerSecond: BATCH / seconds.median, seconds };
        };
        const row: FeaturesRow = { key: `features/${SIZE}/t${threads}`, threads, ours: side(oursSamples), pytorch: side(theirs), ratio: 0, otherLoad };
        row.ratio = row.ours.imagesPerSecond / row.pytorch.imagesPerSecond;
        rows.push(row);
        ctx.progress(`${row.key}: ours ${row.ours.imagesPerSecond.toPrecision(3)}, PyTorch ${row.pytorch.imagesPerSecond.toPrecision(3)} img/s`);
      }
      return {
        table: {
          header: ['size', 'threads', 'ours img/s', 'PyTorch img/s', 'ours/PT', 'other load'],
          leftColumns: [0],
          body: rows.map((r) => [`${SIZE}x${SIZE}`, String(r.threads), `${r.ours.imagesPerSecond.toPrecision(3)} ${spreadCell(r.ours.seconds)}`, `${r.pytorch.imagesPerSecond.toPrecision(3)} ${spreadCell(r.pytorch.seconds)}`, r.ratio.toFixed(3), loadCell(r.otherLoad)]),
          notes: [
            `images/s from the median of ${policy.blocks * policy.samplesPerBlock} calls of ${BATCH} images per side (${policy.blocks} blocks taking turns, after ${policy.warmup} warm-up each);`,
            "ours/PT: our images/s over PyTorch's (>1: faster); ± is half the IQR over the median; other load: cores busy with other processes meanwhile",
          ],
          footnotes: [`largest |feature - PyTorch's| on the same batch: pool ${agreement.pool.toExponential(1)}, mixed5 ${agreement.mixed5.toExponential(1)}`, ...busyFootnotes(rows.map((r) => r.otherLoad))],
        },
        ratios: Object.fromEntries(rows.map((r) => [r.key, r.ratio])),
        rows,
        details: { policy, agreement },
        noise: { otherLoad: rows.map((r) => r.otherLoad), spreads: rows.flatMap((r) => [r.ours.seconds, r.pytorch.seconds].filter((s) => s.n >= MIN_SPREAD_SAMPLES).map((s) => s.relIqr)) },
      };
    } finally {
      extractor.dispose();
      x.dispose();
      reference.close();
    }
  },
};
