// Convolutions the addon runs through oneDNN itself (native/direct_conv.cc, native/narrow_conv.cc): that they compute
// what a convolution computes, forward and backward, in float32 and in bfloat16; that bfloat16 weight conversions
// kept for a phase see in-place updates and are freed when it ends; and that memory stays flat.
//
// The reference is PyTorch in float64 on the same float32 inputs (test/reference/conv_golden.py); for bfloat16, on
// the inputs rounded to bfloat16 as a bfloat16 kernel multiplies them, so a result rounded to bfloat16 on its way out
// (what libtorch's own bfloat16 convolution hands back) would fail the bound. Errors are the root-mean-square
// difference over the reference's root-mean-square.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { relativeError } from '../helpers/assert_close.js';
import { describeConvGoldens, type ConvCase } from '../helpers/conv_golden.js';
import { assertMemoryFlat } from '../helpers/memory_flat.js';

const CASES: ConvCase[] = [
  // the generator's downsampling and the discriminator's layers
  { name: 'down_s2', input: [1, 32, 20, 20], out: 48, bias: true, stride: 2, padding: 1 },
  { name: 'disc_k4_s2', input: [2, 16, 18, 18], out: 32, bias: true, kernel: 4, stride: 2, padding: 1 },
  { name: 'disc_k4_s1_nobias', input: [1, 32, 9, 9], out: 64, bias: false, kernel: 4, padding: 1 },
  { name: 'pointwise', input: [1, 40, 12, 10], out: 24, bias: true, kernel: 1 },
  { name: 'first_k7', input: [1, 3, 22, 22], out: 16, bias: true, kernel: 7 },
  { name: 'channels_last', input: [2, 32, 12, 12], out: 32, bias: true, padding: 1, channelsLast: true },
  // few output channels, large kernel: the generator's last layer (narrow_conv.cc)
  { name: 'narrow_k7', input: [1, 64, 30, 30], out: 3, bias: true, kernel: 7 },
  { name: 'narrow_k3_batch2', input: [2, 32, 11, 13], out: 1, bias: false },
  // bfloat16 arithmetic on float32 tensors
  { name: 'bf16_resblock', input: [1, 64, 18, 18], out: 64, bias: true, bf16: true },
  { name: 'bf16_down_s2', input: [2, 32, 20, 20], out: 48, bias: false, stride: 2, padding: 1, bf16: true },
  { name: 'bf16_disc_k4', input: [1, 32, 10, 10], out: 64, bias: true, kernel: 4, padding: 1, bf16: true },
  { name: 'bf16_channels_last', input: [1, 32, 12, 12], out: 32, bias: true, padding: 1, bf16: true, channelsLast: true },
];

/**
 * float32 rounding of sums of a few hundred to a few thousand terms stays near 1e-7 of the values. A wrong tap,
 * layout or dtype would be off by order 1; a result rounded to bfloat16 by about 1e-3.
 */
const BOUND = 1e-5;

describeConvGoldens('direct oneDNN convolutions match PyTorch (float64) forward and backward', CASES, { bound: BOUND, error: relativeError });

describe('which path runs', () => {
  test('with oneDNN built, float32 and bfloat16 convolutions make direct plans; switched off, none', () => {
    const { built } = E.directConv();
    E.tidy(() => {
      const w = E.randn([24, 16, 3, 3], { seed: 1 });
      const before = E.directConv().plans;
      E.conv2d(E.randn([1, 16, 9, 9], { seed: 2 }), w);
      E.conv2d(E.randn([1, 16, 9, 9], { seed: 2 }), w, null, { precision: 'bfloat16' });
      assert.equal(E.directConv().plans - before, built ? 2 : 0);
      E.setDirectConv(false);
      try {
        assert.equal(E.directConv().enabled, false);
        E.conv2d(E.randn([1, 16, 11, 11], { seed: 3 }), w);
        E.conv2d(E.randn([1, 16, 11, 11], { seed: 3 }), w, null, { precision: 'bfloat16' });
        assert.equal(E.directConv().plans - before, built ? 2 : 0, 'no new plan while switched off');
      } finally {
        E.setDirectConv(true);
      }
    });
  });

  test('the bfloat16 fallback (libtorch casts) agrees with the direct path within bfloat16 rounding of the output', () => {
    E.tidy(() => {
      const x = E.randn([1, 32, 12, 12], { seed: 4 });
      const w = E.randn([32, 32, 3, 3], { seed: 5 }).mul(0.05);
      const direct = E.conv2d(x, w, null, { precision: 'bfloat16' }).toFloat32();
      E.setDirectConv(false);
      let fallback: Float32Array;
      try {
        fallback = E.conv2d(x, w, null, { precision: 'bfloat16' }).toFloat32();
      } finally {
        E.setDirectConv(true);
      }
      const e = relativeError(direct, fallback);
      assert.ok(e < 1e-2, `relative error ${e}`);
    });
  });
});

describe('bfloat16 weight conversions kept for a phase (withWeightCasts)', () => {
  test('are made once per weight and layout, follow an in-place update, and are freed when the phase ends', () => {
    const { built } = E.directConv();
    const x = E.keep(E.randn([1, 16, 10, 10], { seed: 6 }));
    const w = E.keep(E.randn([32, 16, 3, 3], { seed: 7 }).mul(0.1));
    // x too, so that backward computes the input gradient, which takes the weight in another layout.
    for (const t of [x, w]) t.requiresGrad = true;
    const optimizer = new E.Adam([w], { lr: 0.05 });
    const convolve = () => E.conv2d(x, w, null, { padding: 1, precision: 'bfloat16' });
    const outside = () => E.tidy(() => E.noGrad(() => convolve().toFloat32()));
    E.withWeightCasts(() => {
      const first = E.tidy(() => convolve().toFloat32());
      const kept = E.directConv().cachedWeights;
      assert.equal(kept, built ? 1 : 0, 'the forward layout of one weight');
      assert.deepEqual(E.tidy(() => convolve().toFloat32()), first, 'a second use reuses the conversion');
      assert.equal(E.directConv().cachedWeights, kept);
      assert.deepEqual(first, outside(), 'equal to the uncached result');
      // An optimizer step updates the weight in place: the next call must see the new values.
      E.tidy(() => convolve().square().sum().backward());
      assert.equal(E.directConv().cachedWeights, built ? 2 : 0, 'backward adds the backward-data layout');
      optimizer.step();
      const updated = E.tidy(() => convolve().toFloat32());
      assert.deepEqual(updated, outside(), 'the updated weight, not the cached conversion');
      assert.ok(relativeError(updated, first) > 1e-3, 'the step changed the output');
      // A weight computed at each call (not a leaf) is not kept: its memory would be another tensor's next time.
      E.tidy(() => E.conv2d(x, w.mul(2), null, { padding: 1, precision: 'bfloat16' }));
      // float32 convolutions keep none: two float32 layouts of every generator weight cost more memory than time.
      E.tidy(() => E.conv2d(x, w, null, { padding: 1 }));
      assert.equal(E.directConv().cachedWeights, built ? 2 : 0);
    });
    assert.equal(E.directConv().cachedWeights, 0, 'freed when the phase ends');
    E.zeroGrad([x, w]);
    for (const t of [x, w]) t.dispose();
  });
});

test('direct, narrow and bfloat16 convolutions keep live tensors, allocator use and RSS flat over 100 phases', () => {
  const x = E.keep(E.randn([1, 32, 24, 24], { seed: 8 }));
  const w = E.keep(E.randn([32, 32, 3, 3], { seed: 9 }).mul(0.05));
  const narrow = E.keep(E.randn([3, 32, 7, 7], { seed: 10 }).mul(0.05));
  const b = E.keep(E.zeros([32]));
  for (const t of [x, w, narrow, b]) t.requiresGrad = true;
  const pass = () =>
    E.withWeightCasts(() =>
      E.tidy(() => {
        E.zeroGrad([x, w, narrow, b]);
        const y = E.conv2d(x, w, b, { padding: 1 }).relu();
        const z = E.conv2d(y, w, null, { padding: 1, precision: 'bfloat16' });
        E.conv2d(z, narrow).square().mean().backward();
      }),
    );
  assertMemoryFlat(pass);
  for (const t of [x, w, narrow, b]) t.dispose();
});
