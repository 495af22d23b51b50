/**
 * Tiled translation is the whole-image forward pass computed in another order: the reference here is
 * the generator's own forward on the whole image (its fused inference norm path), which shares no code
 * with the tiles, halos, border padding and Chan-merged statistics under test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fusedForward, manualSeed, noGrad, rand, tensor, tidy } from '../../../src/engine/index.js';
import { ResnetGenerator } from '../../../src/model/resnet_generator.js';
import { createStore, type StoreKind } from '../../../src/translate/tiled/activation_store.js';
import { compilePlan } from '../../../src/translate/tiled/layer_plan.js';
import { readOutputRows, runPlan, storeFromChw } from '../../../src/translate/tiled/run_plan.js';
import { maxAbsDiff } from '../../helpers/assert_close.js';

function compare(channels: 1 | 3, height: number, width: number, tile: number, kind: StoreKind = 'memory'): { diff: number; spread: number; progress: number[] } {
  manualSeed(7);
  const net = new ResnetGenerator({ channels, ngf: 8, nBlocks: 3 });
  try {
    const image = tidy(() => rand([1, channels, height, width]).mul(2).sub(1).toFloat32());
    const expected = tidy(() => noGrad(() => fusedForward(net)(tensor(image, [1, channels, height, width])).toFloat32()));
    const plan = compilePlan(net.model, { height, width, channels });
    const input = storeFromChw(createStore(kind, height, width, channels), image);
    const progress: number[] = [];
    const out = runPlan(plan, input, { tile, device: 'cpu', createStore: (s) => createStore(kind, s.height, s.width, s.channels), onProgress: (done, total) => progress.push(done / total) });
    const hwc = readOutputRows(out, 0, height);
    out.store.dispose();
    // expected is CHW, the tiled output HWC.
    const actual = new Float32Array(hwc.length);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) actual[(c * height + y) * width + x] = hwc[(y * width + x) * channels + c] as number;
    const spread = expected.reduce((m, v) => Math.max(m, v), -Infinity) - expected.reduce((m, v) => Math.min(m, v), Infinity);
    return { diff: maxAbsDiff(actual, expected), spread, progress };
  } finally {
    net.dispose();
  }
}

test('tiled equals whole-image translation within 1e-4: RGB 1024x768, 256 px tiles', () => {
  const { diff, spread, progress } = compare(3, 768, 1024, 256);
  if (process.env.SHOW_DIFF) console.log('rgb', diff, spread);
  assert.ok(diff <= 1e-4, `max |tiled - whole| = ${diff}`);
  assert.ok(spread > 0.1, `the output varies (spread ${spread}), so the comparison can fail`);
  assert.equal(progress.at(-1), 1);
  assert.ok(progress.length > 12, 'progress is reported per tile');
});

test('tiled equals whole-image translation within 1e-4: grayscale 1024x768, 256 px tiles', () => {
  const { diff } = compare(1, 768, 1024, 256);
  assert.ok(diff <= 1e-4, `max |tiled - whole| = ${diff}`);
});

test('tiled equals whole-image translation on sizes that are not multiples of the tile, with scratch-file stores', () => {
  for (const [h, w, tile] of [
    [172, 300, 64],
    [236, 92, 50],
  ] as const) {
    const { diff } = compare(3, h, w, tile, 'file');
    if (process.env.SHOW_DIFF) console.log(w, h, tile, diff);
    assert.ok(diff <= 1e-4, `${w}x${h}, tile ${tile}: max |tiled - whole| = ${diff}`);
  }
});
