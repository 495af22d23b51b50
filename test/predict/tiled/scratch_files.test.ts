/**
 * The two scratch formats band_image_io.ts relies on, checked against libvips itself: a ScratchTiff written
 * band by band, out of order and over several strips, is read by libvips as exactly those bytes; a .v file
 * libvips wrote is read back row for row, and one that is not what decoding asked for is refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { ScratchTiff } from '../../../src/translate/tiled/scratch_tiff.js';
import { VipsRows } from '../../../src/translate/tiled/vips_rows.js';
import { tempDir } from '../../helpers/reference.js';

const samples = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + seed * 11 + (i >> 9)) & 255));

for (const channels of [1, 3] as const) {
  test(`a ${channels}-channel ScratchTiff written in bands out of order is read by libvips as the same bytes`, async () => {
    // 10000 px wide: about 26 rows (1 channel) or 8 rows (3) a strip, so 61 rows span several strips, the last one short.
    const width = 10_000;
    const height = 61;
    const path = join(tempDir(), 'scratch.tif');
    const expected = samples(width * height * channels, channels);
    const tiff = new ScratchTiff(path, width, height, channels);
    const bands: [number, number][] = [[40, 61], [0, 17], [17, 40]];
    for (const [y0, y1] of bands) tiff.writeRows(y0, expected.subarray(y0 * width * channels, y1 * width * channels));
    tiff.close();
    // Without b-w, sharp turns one band into three on output.
    const image = sharp(path, { limitInputPixels: false });
    const { data, info } = await (channels === 1 ? image.toColourspace('b-w') : image).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [width, height, channels]);
    assert.ok(data.equals(expected), 'same bytes');
  });
}

test('ScratchTiff refuses rows that do not fit the image', () => {
  const tiff = new ScratchTiff(join(tempDir(), 'scratch.tif'), 4, 3, 3);
  assert.throws(() => tiff.writeRows(2, Buffer.alloc(2 * 4 * 3)), /do not fit a 4x3x3 image/);
  assert.throws(() => tiff.writeRows(0, Buffer.alloc(5)), /do not fit/);
  tiff.close();
});

test('VipsRows reads the rows of a .v file libvips wrote, and refuses one of another shape', async () => {
  const width = 7;
  const height = 5;
  const expected = samples(width * height * 3, 2);
  const path = join(tempDir(), 'decoded.v');
  await sharp(expected, { raw: { width, height, channels: 3 } }).toFile(path);
  const rows = new VipsRows(path, width, height, 3);
  const into = new Uint8Array(3 * width * 3);
  assert.deepEqual(Buffer.from(rows.read(2, 3, into)), expected.subarray(2 * width * 3, 5 * width * 3));
  assert.throws(() => rows.read(3, 3, into), /rows \[3, 6\) are outside the 5 rows/);
  rows.close();
  assert.throws(() => new VipsRows(path, width, height + 1, 3), /expected libvips to decode into .* 7x6x3 unsigned bytes but its header says \{"width":7,"height":5,"channels":3,"format":0,"coding":0\}/);
});
