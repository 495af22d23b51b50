import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DatasetError } from '../../src/errors.js';
import { loadImage, loadTrainingImage } from '../../src/data/decode.js';
import { Rng } from '../../src/engine/rng.js';
import { fixture } from './paths.js';

const USABLE = ['I_UPPER.JPG', 'a_photo.jpg', 'b_alpha.png', 'c_gray.png', 'd_anim.gif', 'e_rgb24.bmp', 'f_image.webp', 'g_image.tiff', 'h_rotated.jpg'];

/** Value at channel c, row y, column x of a CHW image of width w and height h. */
const at = (chw: Float32Array, h: number, w: number, c: number, y: number, x: number): number => chw[c * h * w + y * w + x] as number;

test('every format decodes to CHW in [-1, 1] at the requested rectangular size, 1 or 3 channels', async () => {
  for (const name of USABLE) {
    for (const channels of [1, 3] as const) {
      const chw = await loadImage(fixture('flat', name), { channels, height: 16, width: 32 });
      assert.equal(chw.length, channels * 16 * 32, name);
      let min = Infinity;
      let max = -Infinity;
      for (const v of chw) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      // d_anim.gif's first frame is one flat colour; every other fixture has some contrast.
      assert.ok(min >= -1 && max <= 1 && (max > min || name === 'd_anim.gif'), `${name}: range [${min}, ${max}]`);
    }
  }
});

test('values are x / 127.5 - 1 exactly at native size (8-bit grayscale PNG)', async () => {
  const chw = await loadImage(fixture('flat', 'c_gray.png'), { channels: 1, height: 36, width: 20 });
  for (let y = 0; y < 36; y++) {
    for (let x = 0; x < 20; x++) assert.equal(at(chw, 36, 20, 0, y, x), Math.fround(((x * 12 + y * 3) % 256) / 127.5 - 1));
  }
  // A grayscale file asked for as RGB repeats the gray level in all three channels.
  const rgb = await loadImage(fixture('flat', 'c_gray.png'), { channels: 3, height: 36, width: 20 });
  assert.deepEqual(rgb.subarray(720, 1440), chw);
  assert.deepEqual(rgb.subarray(1440), chw);
});

test('grayscale from RGB uses PIL luma (299, 587, 114)', async () => {
  const rgb = await loadImage(fixture('flat', 'a_photo.jpg'), { channels: 3, height: 30, width: 40 });
  const gray = await loadImage(fixture('flat', 'a_photo.jpg'), { channels: 1, height: 30, width: 40 });
  const plane = 30 * 40;
  for (let i = 0; i < plane; i++) {
    const [r, g, b] = [0, 1, 2].map((c) => ((rgb[c * plane + i] as number) + 1) * 127.5) as [number, number, number];
    assert.ok(Math.abs(((gray[i] as number) + 1) * 127.5 - (r * 0.299 + g * 0.587 + b * 0.114)) <= 0.51, `pixel ${i}`);
  }
});

test('every BMP variant decodes to the same pixels as the PNG of the pattern', async () => {
  const shape = { channels: 3, height: 7, width: 9 } as const;
  const expected = await loadImage(fixture('bmp', 'pattern.png'), shape);
  for (const name of ['rgb24.bmp', 'rgb24_topdown.bmp', 'rgb32.bmp', 'bitfields32.bmp', 'pal8.bmp', 'pal4.bmp']) {
    assert.deepEqual(await loadImage(fixture('bmp', name), shape), expected, name);
  }
  const rle = fixture('bmp', 'rle8.bmp');
  await assert.rejects(
    loadImage(rle, shape),
    new DatasetError(
      `Cannot decode image ${rle}: BMP with 8 bits per pixel and compression type 1 is not supported (supported: uncompressed 1/4/8-bit paletted, 24-bit and 32-bit); re-save it as PNG or JPEG`,
    ),
  );
});

test('GIF gives its first frame; alpha is dropped keeping the stored colour, also when resizing', async () => {
  const gif = await loadImage(fixture('flat', 'd_anim.gif'), { channels: 3, height: 32, width: 32 });
  assert.deepEqual([at(gif, 32, 32, 0, 20, 20), at(gif, 32, 32, 1, 20, 20), at(gif, 32, 32, 2, 20, 20)], [1, -1, -1]);
  for (const size of [24, 12]) {
    const png = await loadImage(fixture('flat', 'b_alpha.png'), { channels: 3, height: size, width: size });
    assert.deepEqual([0, 1, 2].map((c) => at(png, size, size, c, 1, 1)), [1, -1, -1], `transparent red at ${size}`);
    assert.deepEqual([0, 1, 2].map((c) => at(png, size, size, c, 1, size - 2)), [-1, 1, -1], `opaque green at ${size}`);
  }
});

test('EXIF orientation is applied', async () => {
  // Stored 40x20 with orientation 6: displayed 20 wide, 40 high, top half red, bottom half blue.
  const chw = await loadImage(fixture('flat', 'h_rotated.jpg'), { channels: 3, height: 40, width: 20 });
  const pixel = (y: number, x: number): number[] => [0, 1, 2].map((c) => Math.round(at(chw, 40, 20, c, y, x) * 10) / 10);
  assert.deepEqual(pixel(5, 10), [1, -1, -1]);
  assert.deepEqual(pixel(35, 10), [-1, -1, 1]);
  // Grayscale and resized (a 1-band resize once came back 3-band): red's luma 76 on top, blue's 29 below.
  const gray = await loadImage(fixture('flat', 'h_rotated.jpg'), { channels: 1, height: 16, width: 32 });
  const level = (y: number, x: number): number => (at(gray, 16, 32, 0, y, x) + 1) * 127.5;
  assert.ok(Math.abs(level(2, 16) - 76) <= 3 && Math.abs(level(13, 16) - 29) <= 3, `levels ${level(2, 16)}, ${level(13, 16)}`);
});

test('resizing keeps flat colours flat and gradients monotonic', async () => {
  const gif = await loadImage(fixture('flat', 'd_anim.gif'), { channels: 3, height: 50, width: 13 });
  assert.ok(gif.subarray(0, 650).every((v) => v === 1));
  // a_photo.jpg's red channel rises left to right (6 levels a pixel).
  const photo = await loadImage(fixture('flat', 'a_photo.jpg'), { channels: 3, height: 9, width: 5 });
  for (let y = 0; y < 9; y++) {
    for (let x = 1; x < 5; x++) assert.ok(at(photo, 9, 5, 0, y, x - 1) < at(photo, 9, 5, 0, y, x), `row ${y}, column ${x}`);
  }
});

test('loadTrainingImage: resize to the load size, crop and flip from the Rng, deterministic per seed', async () => {
  const path = fixture('flat', 'a_photo.jpg');
  const options = { channels: 3, height: 16, width: 20, loadScale: 1.5, flip: true } as const;
  const full = await loadImage(path, { channels: 3, height: 24, width: 30 });
  const seen = new Set<string>();
  for (let seed = 0; seed < 12; seed++) {
    const a = await loadTrainingImage(path, options, new Rng(seed));
    assert.deepEqual(await loadTrainingImage(path, options, new Rng(seed)), a, 'same seed, same crop');
    const replay = new Rng(seed);
    const left = replay.int(30 - 20 + 1);
    const top = replay.int(24 - 16 + 1);
    const flip = replay.next() < 0.5;
    seen.add(`${left},${top},${flip}`);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 20; x++) {
          assert.equal(at(a, 16, 20, c, y, x), at(full, 24, 30, c, top + y, left + (flip ? 19 - x : x)));
        }
      }
    }
  }
  assert.ok(seen.size > 6, 'crops vary with the seed');
  assert.ok([...seen].some((s) => s.endsWith('true')) && [...seen].some((s) => s.endsWith('false')), 'both flipped and unflipped');
});

test('loadTrainingImage pad_and_crop: the window shifts over the image at its own size, mirrored past the edges', async () => {
  const path = fixture('flat', 'a_photo.jpg');
  // Room 1.5 x 16 = 24 rows and 1.5 x 20 = 30 columns: the image at 16 x 20 framed by 4 mirrored rows and 5 columns each side.
  const options = { channels: 3, height: 16, width: 20, loadScale: 1.5, flip: true, cropMode: 'pad_and_crop' } as const;
  const image = await loadImage(path, { channels: 3, height: 16, width: 20 });
  // Reflection padding on paper: padded index -1 is row 1, -4 is row 4, 16 is row 14.
  const mirrored = (i: number, n: number): number => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const seen = new Set<string>();
  for (let seed = 0; seed < 12; seed++) {
    const a = await loadTrainingImage(path, options, new Rng(seed));
    const replay = new Rng(seed);
    const left = replay.int(30 - 20 + 1) - 5;
    const top = replay.int(24 - 16 + 1) - 4;
    const flip = replay.next() < 0.5;
    seen.add(`${left},${top},${flip}`);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 16; y++) {
        for (let x = 0; x < 20; x++) {
          const sx = mirrored(left + (flip ? 19 - x : x), 20);
          assert.equal(at(a, 16, 20, c, y, x), at(image, 16, 20, c, mirrored(top + y, 16), sx), `seed ${seed} c ${c} y ${y} x ${x}`);
        }
      }
    }
  }
  assert.ok(seen.size > 6, 'windows vary with the seed');
  assert.ok([...seen].some((s) => s.startsWith('-')), 'some windows reach past the left edge');
});

test('loadTrainingImage with loadScale 1 and no flip is loadImage, and always draws three numbers', async () => {
  const path = fixture('flat', 'f_image.webp');
  const rng = new Rng(3);
  const chw = await loadTrainingImage(path, { channels: 1, height: 16, width: 12, loadScale: 1, flip: false }, rng);
  assert.deepEqual(chw, await loadImage(path, { channels: 1, height: 16, width: 12 }));
  const expected = new Rng(3);
  expected.int(1);
  expected.int(1);
  expected.next();
  assert.deepEqual(rng.state(), expected.state());
});

test('bad files and bad options fail with messages', async () => {
  const truncated = fixture('flat', 'broken_truncated.jpg');
  await assert.rejects(
    loadImage(truncated, { channels: 3, height: 8, width: 8 }),
    new DatasetError(
      `Cannot decode image ${truncated}: VipsJpeg: premature end of JPEG image; replace or remove the file (validating the input lists every such file)`,
    ),
  );
  const missing = fixture('flat', 'missing.png');
  await assert.rejects(loadImage(missing, { channels: 3, height: 8, width: 8 }), new DatasetError(`Cannot read image ${missing}: the file does not exist`));
  const ok = fixture('flat', 'a_photo.jpg');
  await assert.rejects(loadImage(ok, { channels: 2 as 1, height: 8, width: 8 }), new ConfigError('Expected 1 or 3 for channels but received 2'));
  await assert.rejects(loadImage(ok, { channels: 3, height: 0, width: 8 }), new ConfigError('Expected a positive integer for height but received 0'));
  await assert.rejects(
    loadTrainingImage(ok, { channels: 3, height: 8, width: 8, loadScale: 0.5, flip: false }, new Rng(0)),
    new ConfigError('Expected a number >= 1 for loadScale but received 0.5'),
  );
});
