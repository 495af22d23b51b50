import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { ConfigError } from '../../src/errors.js';
import { loadImage } from '../../src/data/decode.js';
import { tileImages, writeImage } from '../../src/data/image_write.js';
import { Rng } from '../../src/engine/rng.js';
import { tempDir } from './paths.js';

function randomImage(length: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length }, () => rng.next() * 2 - 1);
}

test('PNG round trip: write then loadImage is within 2/255 of the range (RGB and grayscale, rectangular)', async () => {
  const dir = tempDir();
  for (const channels of [1, 3] as const) {
    const shape = { channels, height: 16, width: 32 };
    const data = randomImage(channels * 16 * 32, channels);
    const path = join(dir, `round_${channels}.png`);
    await writeImage(path, data, shape);
    assert.equal((await sharp(path).metadata()).channels, channels, 'grayscale stays one channel');
    const back = await loadImage(path, shape);
    for (let i = 0; i < data.length; i++) assert.ok(Math.abs((back[i] as number) - (data[i] as number)) <= 2 / 255, `value ${i}`);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['round_1.png', 'round_3.png'], 'no temporary files left');
});

test('JPEG output: quality 95, grayscale as one channel, close to the input', async () => {
  const dir = tempDir();
  // A smooth image: JPEG is lossy on noise.
  const shape = { channels: 3, height: 24, width: 40 } as const;
  const data = Float32Array.from({ length: 3 * 24 * 40 }, (_, i) => {
    const [c, y, x] = [Math.floor(i / 960), Math.floor(i / 40) % 24, i % 40];
    return 0.9 * Math.sin(x / 6 + c) * Math.cos(y / 5);
  });
  const path = join(dir, 'smooth.JPG');
  await writeImage(path, data, shape);
  const meta = await sharp(path).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['jpeg', 40, 24, 3]);
  const back = await loadImage(path, shape);
  const mae = back.reduce((s, v, i) => s + Math.abs(v - (data[i] as number)), 0) / data.length;
  assert.ok(mae < 0.01, `mean absolute error ${mae}`);
  await writeImage(join(dir, 'gray.jpeg'), new Float32Array(64).fill(0.5), { channels: 1, height: 8, width: 8 });
  assert.equal((await sharp(join(dir, 'gray.jpeg')).metadata()).channels, 1);
});

test('values are mapped with rounding and clamping', async () => {
  const dir = tempDir();
  const path = join(dir, 'clamp.png');
  const values = [-3, 3, Number.NaN, 0, -1, 1, 0.5, -0.999];
  await writeImage(path, Float32Array.from(values), { channels: 1, height: 1, width: 8 });
  const raw = await sharp(path).toColourspace('b-w').raw().toBuffer();
  assert.deepEqual([...raw], [0, 255, 0, 128, 0, 255, 191, 0]);
});

test('writeImage refuses unknown extensions and data of the wrong size', async () => {
  await assert.rejects(
    writeImage('/tmp/out.gif', new Float32Array(3), { channels: 3, height: 1, width: 1 }),
    new ConfigError('Expected an output file name ending in .png, .jpg or .jpeg but received /tmp/out.gif'),
  );
  await assert.rejects(
    writeImage('/tmp/out.png', new Float32Array(5), { channels: 3, height: 2, width: 2 }),
    new ConfigError('Expected the image to hold channels x height x width = 3x2x2 = 12 values but received 5'),
  );
});

test('tileImages lays images side by side, widening grayscale panels to RGB when mixed', () => {
  const a = { data: Float32Array.from([1, 2, 3, 4]), channels: 1, height: 2, width: 2 } as const;
  const b = { data: Float32Array.from([10, 20, 30, 40, 50, 60]), channels: 3, height: 2, width: 1 } as const;
  const tiled = tileImages([a, b, a]);
  assert.deepEqual([tiled.channels, tiled.height, tiled.width], [3, 2, 5]);
  // Per channel, rows of [a a | b | a a].
  assert.deepEqual([...tiled.data], [1, 2, 10, 1, 2, 3, 4, 20, 3, 4, 1, 2, 30, 1, 2, 3, 4, 40, 3, 4, 1, 2, 50, 1, 2, 3, 4, 60, 3, 4]);
  const gray = tileImages([a, a]);
  assert.deepEqual([gray.channels, gray.width, [...gray.data]], [1, 4, [1, 2, 1, 2, 3, 4, 3, 4]]);
  assert.throws(() => tileImages([]), new ConfigError('Expected at least one image to tile but received none'));
  assert.throws(
    () => tileImages([a, { data: new Float32Array(3), channels: 3, height: 1, width: 1 }]),
    new ConfigError('Expected every tiled image to be 2 pixels high but image 1 is 1'),
  );
});
