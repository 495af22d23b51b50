// --keep_size learns each image's displayed size from its header; it must equal the size of the
// decoded, EXIF-oriented pixels for every format we read (the rotated JPEG swaps width and height).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openImage, readImageFile } from '../../src/data/open_image.js';
import { orientedSize } from '../../src/data/native_size.js';
import { fixture } from '../data/paths.js';

const USABLE = ['I_UPPER.JPG', 'a_photo.jpg', 'b_alpha.png', 'c_gray.png', 'd_anim.gif', 'e_rgb24.bmp', 'f_image.webp', 'g_image.tiff', 'h_rotated.jpg'];

test('orientedSize equals the size of the decoded, oriented pixels', async () => {
  let swapped = 0;
  for (const name of USABLE) {
    const path = fixture('flat', name);
    const { info } = await openImage(await readImageFile(path)).raw().toBuffer({ resolveWithObject: true });
    const size = await orientedSize(path);
    assert.deepEqual(size, { height: info.height, width: info.width }, name);
    const stored = await openImage(await readImageFile(path)).metadata();
    if (stored.height !== info.height) swapped++;
  }
  assert.ok(swapped >= 1, 'the rotated fixture has a stored size different from its displayed size');
});

test('orientedSize applies the pixel limit it is given (predict --max_pixels raises it for large images)', async () => {
  const path = fixture('flat', 'a_photo.jpg');
  const { width, height } = await orientedSize(path);
  await assert.rejects(orientedSize(path, width * height - 1), /pixel limit|more than the limit/);
  assert.deepEqual(await orientedSize(path, width * height), { width, height });
});
