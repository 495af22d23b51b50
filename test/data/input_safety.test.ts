// Only regular files are opened, with a byte cap and the pixel cap before decoding, with and without
// validation (fault 4 of issue 9); only the documented formats are decoded: SVG content is refused
// whatever its name, and a floating-point TIFF is refused with its reason instead of decoding to
// black (fault 12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DatasetError } from '../../src/errors.js';
import { decodeResized } from '../../src/data/decode.js';
import { readImageFile } from '../../src/data/open_image.js';
import { checkImage } from '../../src/data/validate.js';
import { tempDir } from '../helpers/reference.js';
import { floatTiff } from '../helpers/float_tiff.js';

/** Fails instead of hanging when `promise` does not settle within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const dir = tempDir();
const fifo = join(dir, 'pipe.png');
execFileSync('mkfifo', [fifo]);

for (const [name, path] of [
  ['a FIFO', fifo],
  ['/dev/zero', '/dev/zero'],
] as const) {
  test(`${name} is refused without being opened, in both validation modes`, async () => {
    const verdict = await within(checkImage(path), 3000, 'validation');
    assert.deepEqual(verdict, { code: 'unreadable', reason: 'not a regular file' });
    await assert.rejects(within(decodeResized(path, 3, 32, 32), 3000, 'decoding'), (e: unknown) => e instanceof DatasetError && e.message === `Cannot read image ${path}: not a regular file`);
  });
}

test('a file over the byte cap is refused before it is read', async () => {
  const big = join(dir, 'big.png');
  writeFileSync(big, '');
  truncateSync(big, 1025);
  await assert.rejects(readImageFile(big, 1024), (e: unknown) => e instanceof DatasetError && e.message === `Cannot read image ${big}: the file is 1025 bytes, over the limit of 1024 bytes for an image file`);
  assert.deepEqual(await checkImage(big, 8, 100_000_000, 1024), { code: 'too_large', reason: 'the file is 1025 bytes, over the limit of 1024 bytes for an image file' });
});

test('SVG content named .png is refused, in validation and at use', async () => {
  const svg = join(dir, 'vector.png');
  writeFileSync(svg, '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="red"/></svg>');
  const expected = 'SVG (vector graphics) is not an accepted format: rasterize it to PNG first. Accepted: JPEG, PNG, WebP, BMP, TIFF (8 or 16 bits per sample), GIF';
  assert.deepEqual(await checkImage(svg), { code: 'unsupported', reason: expected });
  await assert.rejects(decodeResized(svg, 3, 32, 32), (e: unknown) => e instanceof DatasetError && e.message === `Cannot decode image ${svg}: ${expected}`);
});

test('a 32-bit float TIFF is refused with its reason, in validation and at use', async () => {
  const tiff = join(dir, 'float.tiff');
  writeFileSync(tiff, floatTiff(16, 16, (x, y, c) => ((x + y + c) % 10) / 10));
  assert.equal((await sharp(tiff).metadata()).depth, 'float', 'the fixture really is a float TIFF');
  const expected = 'a TIFF with floating-point samples is not accepted (its value range is not defined, and decoding it gives a black image): save it with 8 or 16 bits per sample';
  assert.deepEqual(await checkImage(tiff), { code: 'unsupported', reason: expected });
  await assert.rejects(decodeResized(tiff, 3, 32, 32), (e: unknown) => e instanceof DatasetError && e.message === `Cannot decode image ${tiff}: ${expected}`);
});

test('the accepted formats still decode', async () => {
  const png = join(dir, 'ok.png');
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 10, b: 10 } } }).tiff().toFile(join(dir, 'ok.tiff'));
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toFile(png);
  for (const f of [png, join(dir, 'ok.tiff')]) {
    assert.equal(await checkImage(f), null, f);
    const pixels = await decodeResized(f, 3, 16, 16);
    assert.equal(pixels[0], 200);
  }
});
