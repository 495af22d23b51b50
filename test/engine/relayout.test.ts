// relayout: a tensor copied into another memory format, values unchanged, and its gradient passed back unchanged.
// (Its backward also hands the gradient back in the input's format, a matter of speed that no test through a leaf
// can see: libtorch lays a leaf's accumulated gradient out like the leaf itself. bench/train_step.ts measures it.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { assertMemoryFlat } from '../helpers/memory_flat.js';

const isChannelsLast = (t: E.Tensor) => t.isContiguous('channels_last') && !t.isContiguous();

for (const [from, to] of [['contiguous', 'channels_last'], ['channels_last', 'contiguous']] as const) {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`relayout ${from} -> ${to} (${dtype}): same values forward and backward`, () => {
      E.tidy(() => {
        const values = Array.from({ length: 2 * 19 * 5 * 7 }, (_, i) => i - 300); // 19 channels: no multiple of 16
        const x = E.tensor(values, [2, 19, 5, 7], { dtype }).contiguous(from);
        x.requiresGrad = true;
        const y = E.relayout(x, to);
        assert.equal(isChannelsLast(y), to === 'channels_last', `output is ${to}`);
        assert.deepEqual(Array.from(y.toFloat32()), values);
        // The upstream gradient arrives in the output's format; d sum(y * up) / dx = up, in x's format.
        const up = E.tensor(values.map((v) => v * 0.5), [2, 19, 5, 7], { dtype }).contiguous(to);
        y.mul(up).sum().backward();
        assert.deepEqual(Array.from(x.grad!.toFloat32()), values.map((v) => v * 0.5));
      });
    });
  }
}

test('relayout hands back the tensor itself when it is in the format already', () => {
  E.tidy(() => {
    const x = E.randn([1, 4, 3, 3]);
    assert.equal(E.relayout(x, 'contiguous'), x);
  });
});

test('relayout forward and backward leave live tensors and RSS flat', () => {
  const x = E.keep(E.randn([1, 32, 16, 16]));
  x.requiresGrad = true;
  assertMemoryFlat(() =>
    E.tidy(() => {
      E.relayout(x, 'channels_last').square().sum().backward();
      E.zeroGrad([x]);
    }),
  );
  x.dispose();
});
