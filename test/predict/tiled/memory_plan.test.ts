/** The memory plan: store peaks derived on paper, and the choice between whole, tiled in memory, tiled on disk and a clear refusal. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResnetGenerator } from '../../../src/model/resnet_generator.js';
import { compilePlan } from '../../../src/translate/tiled/layer_plan.js';
import { decideMemory, peakStoreBytes, tileWorkingBytes, imageBufferBytes } from '../../../src/translate/tiled/memory_plan.js';
import { ConfigError } from '../../../src/errors.js';

const net = new ResnetGenerator({ channels: 3, ngf: 8, nBlocks: 1 });

test('peak store bytes: the full-resolution conv output plus the half-resolution one below it', () => {
  // 64x64 RGB, ngf 8: conv 7x7 (64x64x8 with the 64x64x3 input: 11 planes), down 1 (64x64x8 + 32x32x16 = 12),
  // down 2 (32x32x16 + 16x16x32 = 6), the block (x, h, r at 16x16x32 = 6), up 1 (6), up 2 (64x64x8 + 32x32x16 = 12), out (11).
  const plan = compilePlan(net.model, { height: 64, width: 64, channels: 3 });
  assert.equal(peakStoreBytes(plan), 4 * 64 * 64 * 12);
});

test('a budget that fits the whole pass translates whole; one that fits only tiles, tiles; activations spill to files last', () => {
  const plan = compilePlan(net.model, { height: 1024, width: 1024, channels: 3 });
  assert.equal(decideMemory(plan, { budget: 2 ** 40 }).tiled, false);
  const tiled = decideMemory(plan, { budget: peakStoreBytes(plan) + tileWorkingBytes(plan, 512) + imageBufferBytes(plan, 512) });
  assert.deepEqual([tiled.tiled, tiled.tile, tiled.stores], [true, 512, 'memory']);
  const spilled = decideMemory(plan, { budget: tileWorkingBytes(plan, 512) + imageBufferBytes(plan, 512) });
  assert.deepEqual([spilled.tiled, spilled.tile, spilled.stores], [true, 512, 'file']);
  const smaller = decideMemory(plan, { budget: tileWorkingBytes(plan, 256) + imageBufferBytes(plan, 256) });
  assert.deepEqual([smaller.tile, smaller.stores], [256, 'file']);
  assert.equal(decideMemory(plan, { budget: 2 ** 40, tile: 128 }).tile, 128, '--tile_size forces tiles');
});

test('a budget too small for one tile is refused with a message that says how much is needed', () => {
  const plan = compilePlan(net.model, { height: 768, width: 1024, channels: 3 });
  assert.throws(
    () => decideMemory(plan, { budget: 2 ** 20 }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^Expected --max_memory large enough for one 64 px tile of this 1024x768 image but received 1 MiB: one tile needs about \d+ MiB and a band of the image \d+ MiB\. Raise --max_memory to at least \d+ MiB$/.test(e.message),
  );
  assert.throws(() => decideMemory(plan, { budget: 2 ** 20, tile: 256 }), /for one 256 px tile .* or lower --tile_size$/);
});
