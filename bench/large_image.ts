/**
 * Large images: seconds per megapixel and peak RSS of predict --keep_size on one big JPEG, translated
 * whole against tiled (src/predict/tiled, exact: same result within 1e-4) under a 2 GB --max_memory.
 * ResNet-9 generator, fresh weights, float32, 2 threads, one fresh process per case (its VmHWM is its
 * own); times include decoding, and encoding the result. The whole-image pass needs about twelve copies of
 * the largest activation (full resolution x ngf channels), so at ngf 64 it is only run where that fits
 * this machine; at ngf 8 both sides run at every size. The 100 MP case (about 40 GB of scratch files)
 * runs only with LARGE_IMAGE_100MP=1 in the environment (LARGE_IMAGE_100MP=only: that row alone).
 */
import { mkdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BenchContext, BenchOutput, Benchmark, Table } from './benchmark.js';
import { startLoadMeter } from './load.js';
import { busyFootnotes, loadCell } from './report.js';
import { blasThreads } from './train_step.js';

export interface LargeImageCase {
  side: 'whole' | 'tiled';
  megapixels: number;
  ngf: number;
  threads: number;
  image: string;
  outDir: string;
  maxMemoryBytes: number;
  /** Tile side in pixels (tiled only). */
  tile: number;
}

export interface LargeImageResult {
  seconds: number;
  /** CPU time of the process, all threads (libtorch's, libvips', the main one): less swayed by other load than `seconds`. */
  cpuSeconds: number;
  baselineRssBytes: number | null;
  peakRssBytes: number | null;
  tiles: number;
  /** Where the tiled pass kept its activations: 'memory' or 'scratch'. */
  stores: string;
}

const THREADS = 2;
const BUDGET = 2 * 2 ** 30;
const TILE = 512;

interface Plan {
  megapixels: number;
  ngf: number;
  sides: LargeImageCase['side'][];
}

/** Whole-image peak estimate (memory_plan.ts's factor): twelve copies of the full-resolution ngf-channel activation. */
const wholeFits = (mp: number, ngf: number) => 12 * mp * 1e6 * ngf * 4 < totalmem() * 0.3;

function plans(quick: boolean): Plan[] {
  if (quick) return [{ megapixels: 1, ngf: 8, sides: ['whole', 'tiled'] }];
  const list: Plan[] = [
    { megapixels: 4, ngf: 8, sides: ['whole', 'tiled'] },
    { megapixels: 16, ngf: 8, sides: ['whole', 'tiled'] },
    { megapixels: 1, ngf: 64, sides: ['whole', 'tiled'] },
    { megapixels: 4, ngf: 64, sides: wholeFits(4, 64) ? ['whole', 'tiled'] : ['tiled'] },
    { megapixels: 16, ngf: 64, sides: ['tiled'] },
  ];
  const hundred: Plan = { megapixels: 100, ngf: 64, sides: ['tiled'] };
  if (process.env.LARGE_IMAGE_100MP === 'only') return [hundred];
  if (process.env.LARGE_IMAGE_100MP === '1') list.push(hundred);
  return list;
}

/** A square-ish JPEG of about `mp` megapixels (4:3, dimensions not multiples of 4 or of the tile) with smooth structure and noise. */
async function makeImage(dir: string, mp: number): Promise<string> {
  const path = join(dir, `large-${mp}mp.jpg`);
  const width = Math.round(Math.sqrt((mp * 1e6 * 4) / 3)) + 1;
  const height = Math.round((width * 3) / 4) + 2;
  const small = 64;
  const seed = Buffer.alloc(small * small * 3);
  for (let i = 0; i < seed.length; i++) seed[i] = Math.round(127.5 + 120 * Math.sin(i * 0.7) * Math.cos(i * 0.013));
  await sharp(seed, { raw: { width: small, height: small, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .jpeg({ quality: 90 })
    .toFile(path);
  return path;
}

const mb = (b: number | null) => (b === null ? '-' : String(Math.round(b / 2 ** 20)));

async function run(ctx: BenchContext): Promise<BenchOutput> {
  const outDir = join(ctx.tempDir, 'large-image-out');
  mkdirSync(outDir, { recursive: true });
  const images = new Map<number, string>();
  const rows: (LargeImageCase & LargeImageResult & { otherLoad: number | null; secondsPerMegapixel: number })[] = [];
  const loads: (number | null)[] = [];
  for (const plan of plans(ctx.quick)) {
    if (!images.has(plan.megapixels)) images.set(plan.megapixels, await makeImage(ctx.tempDir, plan.megapixels));
    for (const side of plan.sides) {
      const c: LargeImageCase = { side, megapixels: plan.megapixels, ngf: plan.ngf, threads: THREADS, image: images.get(plan.megapixels)!, outDir, maxMemoryBytes: BUDGET, tile: TILE };
      ctx.progress(`${plan.megapixels} MP ngf ${plan.ngf} ${side}...`);
      const meter = startLoadMeter([]);
      const r = await ctx.once<LargeImageResult>('large_image_worker.js', { case: c, warmup: 0, count: 1 }, blasThreads(THREADS));
      const otherLoad = meter.stop();
      loads.push(otherLoad);
      const secondsPerMegapixel = r.seconds / plan.megapixels;
      rows.push({ ...c, ...r, otherLoad, secondsPerMegapixel });
      ctx.progress(`${plan.megapixels} MP ngf ${plan.ngf} ${side}: ${secondsPerMegapixel.toFixed(2)} s/MP (CPU ${(r.cpuSeconds / plan.megapixels).toFixed(2)}), peak RSS ${mb(r.peakRssBytes)} MB`);
    }
  }
  const ratios: Record<string, number> = {};
  for (const row of rows.filter((r) => r.side === 'tiled')) {
    const whole = rows.find((r) => r.side === 'whole' && r.megapixels === row.megapixels && r.ngf === row.ngf);
    if (!whole || whole.peakRssBytes === null || row.peakRssBytes === null) continue;
    // Whole over tiled: above 1 means tiling is cheaper.
    ratios[`large-image/${row.megapixels}mp/ngf${row.ngf}/time-whole-over-tiled`] = whole.seconds / row.seconds;
    ratios[`large-image/${row.megapixels}mp/ngf${row.ngf}/rss-whole-over-tiled`] = whole.peakRssBytes / row.peakRssBytes;
  }
  const table: Table = {
    header: ['MP', 'ngf', 'side', 's/MP', 'seconds', 'CPU s/MP', 'peak RSS MB', 'RSS before MB', 'tiles', 'activations', 'other load'],
    leftColumns: [2, 8],
    body: rows.map((r) => [
      String(r.megapixels),
      String(r.ngf),
      r.side,
      r.secondsPerMegapixel.toFixed(2),
      r.seconds.toFixed(1),
      (r.cpuSeconds / r.megapixels).toFixed(2),
      mb(r.peakRssBytes),
      mb(r.baselineRssBytes),
      r.side === 'tiled' ? String(r.tiles) : '-',
      r.side === 'tiled' ? r.stores : '-',
      loadCell(r.otherLoad),
    ]),
    notes: [`${THREADS} threads, float32, tiled: --max_memory 2G --tile_size ${TILE}; seconds include decoding and encoding; one process per row`],
    footnotes: busyFootnotes(loads),
  };
  return { table, ratios, rows, noise: { otherLoad: loads, spreads: [] } };
}

export const largeImageBenchmark: Benchmark = {
  name: 'large-image',
  title: 'predict --keep_size on one large JPEG, whole against tiled (ResNet-9, fresh weights)',
  run,
};
