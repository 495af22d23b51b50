/**
 * predict --keep_size with tiling: forced tiles (--tile_size) give the files the whole-image path gives;
 * an image over the budget is tiled by itself with progress events; a budget too small for one tile and
 * tiling an .onnx are refused with clear errors.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp, { type OutputInfo } from 'sharp';
import { resolveParameters } from '../../../src/config/resolve.js';
import { manualSeed } from '../../../src/engine/index.js';
import { ConfigError } from '../../../src/errors.js';
import { exportGenerator } from '../../../src/export/index.js';
import { saveGenerator } from '../../../src/io/checkpoint.js';
import { ResnetGenerator } from '../../../src/model/resnet_generator.js';
import { predict } from '../../../src/predict/predict.js';
import type { LargeImageOptions } from '../../../src/translate/tiled/large_image.js';
import type { RunEvent } from '../../../src/io/events.js';
import { tempDir } from '../../helpers/reference.js';

const dir = tempDir();
const source = join(dir, 'source');
const checkpoint = join(dir, 'G.safetensors');
const onnx = join(dir, 'G.onnx');

async function setUp(): Promise<void> {
  manualSeed(3);
  const net = new ResnetGenerator({ channels: 3, ngf: 4, nBlocks: 2 });
  saveGenerator(checkpoint, net, net.config, { direction: 'AtoB', image_height: 32, image_width: 32, epoch: 1 });
  exportGenerator(net, 'onnx', onnx);
  net.dispose();
  // 150x98: neither a multiple of 4 (so resized there and back) nor of the tile.
  const width = 150;
  const height = 98;
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.round(127.5 + 120 * Math.sin(i * 0.013) * Math.cos((i % 451) * 0.05));
  mkdirSync(source, { recursive: true });
  await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(join(source, 'big.png'));
}
const ready = setUp();

async function run(out: string, largeImage?: LargeImageOptions, resume = checkpoint): Promise<RunEvent[]> {
  await ready;
  const events: RunEvent[] = [];
  const parameters = resolveParameters({ predict: true, resume, threads: 1 });
  await predict({ resume, source, out, parameters, keepSize: true, largeImage, onEvent: (e) => events.push(e) });
  return events;
}

async function pixels(out: string): Promise<{ data: Buffer; info: OutputInfo }> {
  const [name] = readdirSync(join(out, 'Data'));
  return sharp(join(out, 'Data', name as string)).raw().toBuffer({ resolveWithObject: true });
}

test('tiled predict (--tile_size 32) writes the image the whole-image predict writes', async () => {
  await run(join(dir, 'whole'));
  const events = await run(join(dir, 'tiled'), { tileSize: 32 });
  const whole = await pixels(join(dir, 'whole'));
  const tiled = await pixels(join(dir, 'tiled'));
  assert.deepEqual([tiled.info.width, tiled.info.height], [150, 98]);
  assert.deepEqual(tiled.info, whole.info);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < whole.data.length; i++) {
    const d = Math.abs(whole.data[i]! - tiled.data[i]!);
    sum += d;
    max = Math.max(max, d);
  }
  // The translations agree within 1e-4; rounding to 8 bits may put a value one level apart, which JPEG may spread a little.
  assert.ok(max <= 4 && sum / whole.data.length <= 0.05, `differs by ${max} levels at most, ${sum / whole.data.length} on average`);
  const tiles = events.filter((e) => e.type === 'tiles');
  assert.ok(tiles.length >= 1 && tiles.at(-1)!.type === 'tiles');
  const last = tiles.at(-1) as Extract<RunEvent, { type: 'tiles' }>;
  assert.equal(last.done, last.total);
  assert.ok(events.some((e) => e.type === 'info' && /translating in 32 px tiles/.test(e.message)));
});

test('an image over --max_memory is tiled without being asked', async () => {
  const events = await run(join(dir, 'auto'), { maxMemory: 2.5 * 2 ** 20 });
  assert.ok(events.some((e) => e.type === 'info' && /against --max_memory 3 MiB; translating in \d+ px tiles/.test(e.message)));
  assert.deepEqual([(await pixels(join(dir, 'auto'))).info.width], [150]);
});

test('a --max_memory too small for one tile is a ConfigError that says how much is needed', async () => {
  await assert.rejects(run(join(dir, 'tiny'), { maxMemory: 100_000 }), (e: unknown) => e instanceof ConfigError && /^Expected --max_memory large enough for one 64 px tile of this 152x100 image but received 98 KiB.*Raise --max_memory to at least \d+ MiB$/.test(e.message));
});

test('--tile_size with an .onnx model says that tiling needs a checkpoint', async () => {
  await assert.rejects(run(join(dir, 'onnx'), { tileSize: 64 }, onnx), /^ConfigError: Expected a checkpoint \(\.safetensors\) for --tile_size but the model is an \.onnx graph/);
});
