/**
 * Reading and writing a large image in bands holds less than one full-size copy of it. An 8002x6001 JPEG
 * is read in 64-row bands into activations in a scratch file and written back from them as a JPEG (the
 * identity translation), in a child process whose peak RSS (VmHWM) is compared before and after.
 * The bound, on paper: any design that gathers the image whole holds at least its 8-bit samples,
 * W x H x 3 = 144 MB, on top of what a banded one holds, and a whole-image JPEG encoder with optimised
 * Huffman tables also holds every DCT coefficient (2 bytes a sample, another 288 MB). The banded one
 * holds two bands of 8004 x 64 x 3 samples as floats and bytes (about 8 MB) and libvips' strips for
 * decoding, resizing and encoding at two threads (about 30 MB a side at this width, measured), so its
 * rise stays well below W x H x 3.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { tempDir } from '../../helpers/reference.js';

const WIDTH = 8002;
const HEIGHT = 6001;

/** A JPEG with smooth structure (a small pattern resized up; libvips writes it strip by strip). */
async function makeImage(path: string, width: number, height: number): Promise<void> {
  const side = 48;
  const seed = Buffer.alloc(side * side * 3);
  for (let i = 0; i < seed.length; i++) seed[i] = Math.round(127.5 + 120 * Math.sin(i * 0.7) * Math.cos(i * 0.013));
  await sharp(seed, { raw: { width: side, height: side, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).jpeg({ quality: 90 }).toFile(path);
}

/** Mean absolute difference of two images after shrinking both to 400x300 (so the check holds no full-size copy either). */
async function meanDifference(a: string, b: string): Promise<number> {
  const shrink = (p: string) => sharp(p, { limitInputPixels: false }).resize(400, 300, { fit: 'fill' }).raw().toBuffer();
  const [x, y] = await Promise.all([shrink(a), shrink(b)]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}

test(`reading and writing a ${WIDTH}x${HEIGHT} image in bands raises peak RSS by less than one full-size 8-bit copy`, async () => {
  const dir = tempDir();
  const small = join(dir, 'small.jpg');
  const large = join(dir, 'large.jpg');
  const outDir = join(dir, 'out');
  const scratchDir = join(dir, 'scratch');
  mkdirSync(outDir);
  mkdirSync(scratchDir);
  await makeImage(small, 301, 203);
  await makeImage(large, WIDTH, HEIGHT);
  const worker = join(dirname(fileURLToPath(import.meta.url)), 'image_bands_worker.js');
  const child = spawnSync(process.execPath, [worker, JSON.stringify({ small, large, outDir, scratchDir, band: 64 })], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(child.status, 0, child.stderr);
  const { before, after } = JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as { before: number; after: number };
  const written = join(outDir, 'large.jpg');
  const meta = await sharp(written).metadata();
  assert.deepEqual([meta.width, meta.height, meta.channels], [WIDTH, HEIGHT, 3]);
  // The identity translation: the same picture, up to resizing there and back and a second JPEG.
  assert.ok((await meanDifference(large, written)) < 2, 'the written image is the image read');
  assert.deepEqual(readdirSync(scratchDir), [], 'scratch files removed');
  const fullCopy = WIDTH * HEIGHT * 3;
  const rise = after - before;
  assert.ok(rise < fullCopy, `peak RSS rose by ${(rise / 2 ** 20).toFixed(1)} MiB, not below one full-size 8-bit copy (${(fullCopy / 2 ** 20).toFixed(1)} MiB)`);
});
