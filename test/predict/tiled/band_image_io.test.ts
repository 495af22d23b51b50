/**
 * Band-wise decoding must give exactly the pixels the whole-image decoder gives (decodeResized, the
 * ordinary predict path), or tiled and whole translations would start from different inputs; and writing
 * from bands must give the file writeImage/writeResized give.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeResized } from '../../../src/data/decode.js';
import { DatasetError } from '../../../src/errors.js';
import { writeImage } from '../../../src/data/image_write.js';
import { orientedSize, roundToMultipleOf4, writeResized } from '../../../src/data/native_size.js';
import { createStore } from '../../../src/translate/tiled/activation_store.js';
import { readImageInBands, writeImageFromBands } from '../../../src/translate/tiled/band_image_io.js';
import { fixtures } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/reference.js';

const cases: [string, 1 | 3][] = [
  ['a_photo.jpg', 3], // 40x30: resized to 40x32
  ['f_image.webp', 3], // 30x30: resized to 32x32
  ['h_rotated.jpg', 3], // EXIF orientation 6
  ['b_alpha.png', 3], // alpha dropped
  ['c_gray.png', 1],
  ['a_photo.jpg', 1], // PIL luma (computed before the resize in both)
];

for (const [name, channels] of cases) {
  test(`reading ${name} (${channels} channel${channels > 1 ? 's' : ''}) in 8-row bands equals decoding it whole`, async () => {
    const path = join(fixtures.flat, name);
    const original = await orientedSize(path);
    const height = roundToMultipleOf4(original.height);
    const width = roundToMultipleOf4(original.width);
    const whole = await decodeResized(path, channels, height, width);
    const store = createStore('memory', height, width, channels);
    await readImageInBands(path, store, original, 8, 1e8);
    const banded = store.read(0, height, 0, width);
    assert.equal(banded.length, whole.length);
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(banded[i]! - ((whole[i] as number) / 127.5 - 1)));
    assert.ok(worst < 1e-6, `differs by ${worst * 127.5} levels`);
  });
}

for (const [ext, channels, resized] of [
  ['png', 3, false],
  ['png', 1, true],
  ['jpg', 3, true],
] as const) {
  test(`writing a ${channels}-channel .${ext} from bands${resized ? ', resized back,' : ''} gives the file writeImage gives`, async () => {
    const height = 20;
    const width = 12;
    const chw = Float32Array.from({ length: channels * height * width }, (_, i) => Math.sin(i * 0.37) * 1.1);
    const store = createStore('memory', height, width, channels);
    for (let y = 0; y < height; y++) {
      const row = new Float32Array(width * channels);
      for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) row[x * channels + c] = chw[(c * height + y) * width + x]!;
      store.write(y, 0, width, row);
    }
    const dir = tempDir();
    const original = resized ? { height: 23, width: 13 } : { height, width };
    const banded = join(dir, `banded.${ext}`);
    const whole = join(dir, `whole.${ext}`);
    await writeImageFromBands(banded, { store, scale: null, shift: null, fn: 'none' }, original, 7);
    if (resized) await writeResized(whole, chw, channels, { height, width }, original);
    else await writeImage(whole, chw, { channels, height, width });
    const a = await sharp(banded).raw().toBuffer({ resolveWithObject: true });
    const b = await sharp(whole).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual(a.info, b.info);
    assert.ok(a.data.equals(b.data), 'same pixels');
  });
}

test('a truncated JPEG read in bands is a DatasetError naming the file, and leaves no scratch files', async () => {
  const path = join(fixtures.flat, 'broken_truncated.jpg');
  const scratch = tempDir();
  const store = createStore('memory', 48, 48, 3);
  await assert.rejects(readImageInBands(path, store, { height: 48, width: 48 }, 8, 1e8, scratch), (e: unknown) => e instanceof DatasetError && e.message.startsWith(`Cannot decode image ${path}`));
  assert.deepEqual(readdirSync(scratch), []);
});
