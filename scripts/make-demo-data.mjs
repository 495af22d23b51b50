#!/usr/bin/env node
// Builds the bundled day -> night demo dataset under data/demo/ from Debian's marble-qt-data
// package: NASA's Blue Marble (day) and Earth's City Lights (night), both 2700x1350
// equirectangular, public domain. See data/demo/README.md.
//
//   node scripts/make-demo-data.mjs [--marble /usr/share/marble/data/maps/earth]
//
// Deterministic (fixed seed). Longitude bands keep the domains unpaired and the paired check set
// unseen by both:
//   day   crops: x in [0, 1200)    (180W..20W, the Americas)
//   night crops: x in [1500, 2700) (20E..180E, Africa, Eurasia, Australia)
//   paired crops, day and night at the same place: x in [1200, 1500) (20W..20E, West Africa and Europe)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const args = process.argv.slice(2);
const marbleAt = args.indexOf('--marble');
const marble = marbleAt >= 0 && args[marbleAt + 1] ? args[marbleAt + 1] : '/usr/share/marble/data/maps/earth';
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'demo');

const SEED = 20240601;
const PER_DOMAIN = 150;
const PAIRED = 16;
const OUT_SIZE = 128;
const QUALITY = 90;
// Crops stay between about 72N and 61S: further south is Antarctic ice, further north mostly sea ice.
const Y_MIN = 100;
const Y_MAX = 1130;
const MIN_LAND = 0.35;

/** mulberry32: a tiny seeded PRNG, enough for picking crop positions reproducibly. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function loadRaw(path) {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== 2700 || info.height !== 1350) throw new Error(`${path}: expected 2700x1350, found ${info.width}x${info.height}`);
  return { data, width: info.width, height: info.height };
}

/** Ocean in Blue Marble is blue-dominant; land (vegetation, desert, ice) is not. */
function landFraction(day, x0, y0, size) {
  let land = 0;
  let n = 0;
  for (let y = y0; y < y0 + size; y += 2) {
    for (let x = x0; x < x0 + size; x += 2) {
      const o = (y * day.width + x) * 3;
      const [r, g, b] = [day.data[o], day.data[o + 1], day.data[o + 2]];
      if (!(b > r + 15 && b > g)) land++;
      n++;
    }
  }
  return land / n;
}

/** Random land crops within [xMin, xMax); crop corners at least `spacing` apart so crops do not repeat. */
function pickCrops(day, random, { xMin, xMax, count, sizes, spacing }) {
  const picked = [];
  for (let attempt = 0; attempt < 200000 && picked.length < count; attempt++) {
    const size = sizes[Math.floor(random() * sizes.length)];
    const x = xMin + Math.floor(random() * (xMax - xMin - size + 1));
    const y = Y_MIN + Math.floor(random() * (Y_MAX - Y_MIN - size + 1));
    if (picked.some((p) => Math.abs(p.x - x) < spacing && Math.abs(p.y - y) < spacing)) continue;
    if (landFraction(day, x, y, size) < MIN_LAND) continue;
    picked.push({ x, y, size });
  }
  if (picked.length < count) throw new Error(`found only ${picked.length} of ${count} land crops in x [${xMin}, ${xMax})`);
  return picked;
}

async function cropJpeg(image, { x, y, size }) {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left: x, top: y, width: size, height: size })
    .resize(OUT_SIZE, OUT_SIZE, { kernel: 'cubic' })
    .jpeg({ quality: QUALITY })
    .toBuffer();
}

async function writeCrops(image, crops, folder, prefix) {
  mkdirSync(join(out, folder), { recursive: true });
  let bytes = 0;
  const files = [];
  for (const [i, crop] of crops.entries()) {
    const name = `${prefix}_${String(i).padStart(3, '0')}.jpg`;
    const jpeg = await cropJpeg(image, crop);
    writeFileSync(join(out, folder, name), jpeg);
    bytes += jpeg.length;
    files.push({ file: `${folder}/${name}`, ...crop });
  }
  return { bytes, files };
}

async function main() {
  const day = await loadRaw(join(marble, 'bluemarble', 'bluemarble.jpg'));
  const night = await loadRaw(join(marble, 'citylights', 'citylights.jpg'));
  const random = mulberry32(SEED);
  const sizes = [128, 144, 160, 176, 192];
  const dayCrops = pickCrops(day, random, { xMin: 0, xMax: 1200, count: PER_DOMAIN, sizes, spacing: 32 });
  const nightCrops = pickCrops(day, random, { xMin: 1500, xMax: 2700, count: PER_DOMAIN, sizes, spacing: 32 });
  const pairedCrops = pickCrops(day, random, { xMin: 1200, xMax: 1500, count: PAIRED, sizes: [128], spacing: 56 });

  for (const folder of ['day', 'night', 'paired']) rmSync(join(out, folder), { recursive: true, force: true });
  const written = [
    await writeCrops(day, dayCrops, 'day', 'day'),
    await writeCrops(night, nightCrops, 'night', 'night'),
    await writeCrops(day, pairedCrops, 'paired/day', 'pair'),
    await writeCrops(night, pairedCrops, 'paired/night', 'pair'),
  ];
  // Where every crop came from (pixels of the 2700x1350 source maps), for provenance and re-cutting.
  const crops = { source_size: [2700, 1350], out_size: OUT_SIZE, seed: SEED, crops: written.flatMap((w) => w.files) };
  writeFileSync(join(out, 'crops.json'), `${JSON.stringify(crops)}\n`);
  const total = written.reduce((s, w) => s + w.bytes, 0);
  console.log(`wrote ${crops.crops.length} crops (${(total / 1e6).toFixed(2)} MB) under ${out}`);
}

await main();
