// Inside withWeightCasts, a weight used by several bfloat16 convolutions is cast once; gradients from
// every use still reach the float32 weight, and the shared copies are freed when the scope ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { castWeight } from '../../src/engine/weight_cast_cache.js';
import { relativeError } from '../helpers/assert_close.js';

test('castWeight hands back the same copy within a scope and a fresh one outside it', () => {
  E.tidy(() => {
    const w = E.randn([8, 8, 3, 3], { seed: 1 });
    const half = (t: E.Tensor) => t.to({ dtype: 'bfloat16' });
    E.withWeightCasts(() => {
      const first = castWeight(w, half);
      const second = castWeight(w, half);
      assert.equal(first.value, second.value);
      assert.ok(first.shared && second.shared);
    });
    const outside = castWeight(w, half);
    assert.equal(outside.shared, false);
    outside.value.dispose();
  });
});

test('castWeight keeps one copy per kind of cast of a weight', () => {
  E.tidy(() => {
    const w = E.randn([8, 8, 3, 3], { seed: 2 });
    E.withWeightCasts(() => {
      const half = castWeight(w, (t) => t.to({ dtype: 'bfloat16' }));
      const flipped = castWeight(w, (t) => t.flip([2]).contiguous(), 'flipped');
      assert.notEqual(half.value, flipped.value);
      assert.equal(flipped.value.dtype, 'float32');
      assert.equal(castWeight(w, () => assert.fail('made again'), 'flipped').value, flipped.value);
      assert.equal(castWeight(w, () => assert.fail('made again')).value, half.value);
    });
  });
});

test('a weight shared by bfloat16 convolutions gets the gradient of every use, and the scope frees its copies', () => {
  const before = E.liveTensors();
  E.tidy(() => {
    const x1 = E.randn([1, 16, 10, 10], { seed: 2 });
    const x2 = E.randn([1, 16, 10, 10], { seed: 3 });
    // Fresh leaves per run, so gradients do not accumulate across runs.
    const gradients = (mode: 'float32' | 'per-call' | 'shared'): [Float32Array, Float32Array] =>
      E.tidy(() => {
        const w = E.randn([16, 16, 3, 3], { seed: 4 }).mul(0.1);
        const b = E.randn([16], { seed: 5 });
        w.requiresGrad = true;
        b.requiresGrad = true;
        const loss = () => E.conv2d(x1, w, b, { padding: 1 }).add(E.conv2d(x2, w, b, { padding: 1 }).mul(2)).sum().backward();
        if (mode === 'float32') loss();
        else if (mode === 'per-call') E.withConvolutionPrecision('bfloat16', loss);
        else E.withWeightCasts(() => E.withConvolutionPrecision('bfloat16', loss));
        return [w.grad!.toFloat32(), b.grad!.toFloat32()];
      });
    const [ew, eb] = gradients('float32');
    for (const mode of ['per-call', 'shared'] as const) {
      const [gw, gb] = gradients(mode);
      assert.ok(relativeError(gw, ew) > 0 && relativeError(gw, ew) < 2e-2, `${mode} weight gradient error ${relativeError(gw, ew)}`);
      assert.ok(relativeError(gb, eb) < 2e-2, `${mode} bias gradient error ${relativeError(gb, eb)}`);
    }
  });
  assert.equal(E.liveTensors(), before, 'no tensor outlives the scopes');
});
