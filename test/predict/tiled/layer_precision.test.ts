/**
 * Tiled translation runs each convolution in the precision its layer would: a Conv2d the model keeps in
 * float32 (Conv2d.precision, src/model/conv_precision.ts) stays float32 in tiles under a bfloat16 run, as
 * it does in the layer's own forward; one without a precision of its own follows the run's. The
 * reference is the whole-image forward of the same layers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Conv2d, manualSeed, noGrad, rand, ReflectionPad2d, Sequential, tensor, tidy, withConvolutionPrecision, type ConvolutionPrecision } from '../../../src/engine/index.js';
import { createStore } from '../../../src/translate/tiled/activation_store.js';
import { compilePlan } from '../../../src/translate/tiled/layer_plan.js';
import { readOutputRows, runPlan, storeFromChw } from '../../../src/translate/tiled/run_plan.js';
import { maxAbsDiff } from '../../helpers/assert_close.js';

const [height, width, channels] = [40, 56, 3];

/** The tiled output (as CHW) and the whole-image forward in `whole` precision, of one padded 3x3 conv run in bfloat16. */
function run(layerPrecision: ConvolutionPrecision | null, whole: ConvolutionPrecision): { tiled: Float32Array; expected: Float32Array } {
  manualSeed(3);
  const conv = new Conv2d(channels, 8, 3);
  conv.precision = layerPrecision;
  const net = new Sequential(new ReflectionPad2d(1), conv);
  try {
    const image = tidy(() => rand([1, channels, height, width]).mul(2).sub(1).toFloat32());
    const expected = tidy(() => withConvolutionPrecision(whole, () => noGrad(() => net.forward(tensor(image, [1, channels, height, width])).toFloat32())));
    const plan = compilePlan(net, { height, width, channels });
    const out = runPlan(plan, storeFromChw(createStore('memory', height, width, channels), image), { tile: 16, device: 'cpu', precision: 'bfloat16', createStore: (s) => createStore('memory', s.height, s.width, s.channels) });
    const hwc = readOutputRows(out, 0, height);
    out.store.dispose();
    const c = 8;
    const tiled = new Float32Array(hwc.length);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let k = 0; k < c; k++) tiled[(k * height + y) * width + x] = hwc[(y * width + x) * c + k] as number;
    return { tiled, expected };
  } finally {
    net.dispose();
  }
}

test('a conv the model keeps float32 stays float32 in tiles under a bfloat16 run', () => {
  const { tiled, expected } = run('float32', 'float32');
  assert.ok(maxAbsDiff(tiled, expected) < 1e-5, `max |tiled - float32 whole| = ${maxAbsDiff(tiled, expected)}`);
});

test('a conv without a precision of its own runs in the run\'s bfloat16 in tiles', () => {
  const bf16 = run(null, 'bfloat16');
  assert.ok(maxAbsDiff(bf16.tiled, bf16.expected) < 1e-5, `max |tiled - bfloat16 whole| = ${maxAbsDiff(bf16.tiled, bf16.expected)}`);
  const fp32 = run(null, 'float32');
  assert.ok(maxAbsDiff(fp32.tiled, fp32.expected) > 1e-4, `bfloat16 is distinguishable from float32 here: ${maxAbsDiff(fp32.tiled, fp32.expected)}`);
});
