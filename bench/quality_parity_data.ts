/**
 * The paired data set of the quality-parity benchmark, cut from the two NASA world maps in Debian's
 * marble-qt-data (Blue Marble by day, Earth's City Lights by night, 2700x1350 in the same
 * registration; public domain), the same sources as the demo's data (scripts/make-demo-data.mjs).
 *
 * Three disjoint longitude bands keep it honest: the day training crops come from the Americas, the
 * night training crops from Africa, Eurasia and Australia, so the two training domains never show
 * the same place (unpaired, as CycleGAN assumes); the test pairs (the same place by day and by
 * night) come from the band between, 20W to 20E, which neither training domain has seen. Scoring a
 * translation of a test day crop against its night crop then measures what the generator learnt,
 * which the demo's 16 pairs are too few to do.
 *
 * Crops are written as 64 px PNG (lossless) so that training at 32 px resizes down, as a real data
 * set larger than the training size does. Deterministic: a fixed seed, so the files are the same on
 * every machine; they are cut once into a cache folder and reused.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** Where Debian's marble-qt-data puts the maps. */
export const MARBLE_MAPS = '/usr/share/marble/data/maps/earth';
/** Changing anything below changes the data: bump this so caches are cut again. */
const VERSION = 1;
const SEED = 20261129;
const STORED_SIZE = 64;
const WIDTH = 2700;
const HEIGHT = 1350;
// Between about 72N and 61S: further south is Antarctic ice, further north mostly sea ice.
const Y_MIN = 100;
const Y_MAX = 1130;
const MIN_LAND = 0.35;

export interface QualityDataPlan {
  /** Training crops per domain. */
  train: number;
  /** Test pairs (day and night of the same place). */
  test: number;
}

export interface QualityData {
  /** The day training crops (domain X). */
  trainDay: string;
  /** The night training crops (domain Y). */
  trainNight: string;
  /** Test day crops; `testNight` holds the same places at night under the same file names. */
  testDay: string;
  testNight: string;
}

interface Raster {
  data: Buffer;
  width: number;
  height: number;
}

interface Crop {
  x: number;
  y: number;
  size: number;
}

/** mulberry32, as the demo data script uses: enough to pick crop positions reproducibly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function loadRaster(path: string): Promise<Raster> {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: the quality-parity benchmark cuts its data from Debian's marble-qt-data (apt-get install marble-qt-data; npm run bench installs it)`);
  }
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== WIDTH || info.height !== HEIGHT) throw new Error(`${path}: expected ${WIDTH}x${HEIGHT}, found ${info.width}x${info.height}`);
  return { data, width: info.width, height: info.height };
}

/** Ocean in Blue Marble is blue-dominant; land (vegetation, desert, ice) is not. */
function landFraction(day: Raster, c: Crop): number {
  let land = 0;
  let n = 0;
  for (let y = c.y; y < c.y + c.size; y += 2) {
    for (let x = c.x; x < c.x + c.size; x += 2) {
      const o = (y * day.width + x) * 3;
      const [r, g, b] = [day.data[o]!, day.data[o + 1]!, day.data[o + 2]!];
      if (!(b > r + 15 && b > g)) land++;
      n++;
    }
  }
  return land / n;
}

/** `count` land crops within [xMin, xMax), corners at least `spacing` apart. */
function pickCrops(day: Raster, random: () => number, xMin: number, xMax: number, count: number, sizes: readonly number[], spacing: number): Crop[] {
  const picked: Crop[] = [];
  for (let attempt = 0; attempt < 400000 && picked.length < count; attempt++) {
    const size = sizes[Math.floor(random() * sizes.length)]!;
    const crop = { size, x: xMin + Math.floor(random() * (xMax - xMin - size + 1)), y: Y_MIN + Math.floor(random() * (Y_MAX - Y_MIN - size + 1)) };
    if (picked.some((p) => Math.abs(p.x - crop.x) < spacing && Math.abs(p.y - crop.y) < spacing)) continue;
    if (landFraction(day, crop) < MIN_LAND) continue;
    picked.push(crop);
  }
  if (picked.length < count) throw new Error(`found only ${picked.length} of ${count} land crops in x [${xMin}, ${xMax}); ask for fewer`);
  return picked;
}

async function writeCrops(image: Raster, crops: readonly Crop[], folder: string, prefix: string): Promise<void> {
  mkdirSync(folder, { recursive: true });
  for (const [i, c] of crops.entries()) {
    const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .extract({ left: c.x, top: c.y, width: c.size, height: c.size })
      .resize(STORED_SIZE, STORED_SIZE, { kernel: 'cubic' })
      .png()
      .toBuffer();
    writeFileSync(join(folder, `${prefix}_${String(i).padStart(3, '0')}.png`), png);
  }
}

/** The data set for `plan` under `cacheRoot`, cut on first use (a few seconds) and reused after. */
export async function qualityData(cacheRoot: string, plan: QualityDataPlan, maps = MARBLE_MAPS): Promise<QualityData> {
  const root = join(cacheRoot, `quality-parity-v${VERSION}-${plan.train}-${plan.test}`);
  const data: QualityData = {
    trainDay: join(root, 'train', 'day'),
    trainNight: join(root, 'train', 'night'),
    testDay: join(root, 'test', 'day'),
    testNight: join(root, 'test', 'night'),
  };
  const done = join(root, 'done.json');
  if (existsSync(done) && JSON.parse(readFileSync(done, 'utf8')).version === VERSION) return data;

  const day = await loadRaster(join(maps, 'bluemarble', 'bluemarble.jpg'));
  const night = await loadRaster(join(maps, 'citylights', 'citylights.jpg'));
  const random = mulberry32(SEED);
  // Crops of 48 to 96 source pixels (7 to 13 degrees): at 32 px a crop still shows coastlines and cities.
  const sizes = [48, 56, 64, 72, 80, 88, 96];
  const dayCrops = pickCrops(day, random, 0, 1200, plan.train, sizes, 12);
  const nightCrops = pickCrops(day, random, 1500, 2700, plan.train, sizes, 12);
  const testCrops = pickCrops(day, random, 1200, 1500, plan.test, [64], 14);

  // Cut into a fresh folder, then rename: an interrupted cut never looks finished.
  const partial = `${root}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const inPartial = (p: string) => join(partial, p.slice(root.length + 1));
  await writeCrops(day, dayCrops, inPartial(data.trainDay), 'day');
  await writeCrops(night, nightCrops, inPartial(data.trainNight), 'night');
  await writeCrops(day, testCrops, inPartial(data.testDay), 'pair');
  await writeCrops(night, testCrops, inPartial(data.testNight), 'pair');
  writeFileSync(join(partial, 'done.json'), `${JSON.stringify({ version: VERSION, seed: SEED, plan, crops: { day: dayCrops, night: nightCrops, test: testCrops } })}\n`);
  rmSync(root, { recursive: true, force: true });
  renameSync(partial, root);
  return data;
}
