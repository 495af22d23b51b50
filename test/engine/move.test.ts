// Moving parameters between devices in place (PyTorch's `param.data = ...`): the tensor object keeps
// its identity and autograd flags, so layers and optimizers built before the move still hold it.
// Only the CPU is available here; set_data itself is exercised with a CPU source of another dtype.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { native } from '../../src/engine/native.js';

test('setData swaps the storage under a parameter and keeps it a trainable leaf', () => {
  E.tidy(() => {
    const p = E.tensor([1, 2, 3], [3]);
    p.requiresGrad = true;
    const source = E.tensor([4, 5, 6], [3], { dtype: 'float64' });
    native().setData(p.handle, source.handle);
    assert.equal(p.dtype, 'float64');
    assert.deepEqual([...p.data()], [4, 5, 6]);
    assert.equal(p.requiresGrad, true);
    p.mul(2).sum().backward();
    assert.deepEqual([...p.grad!.data()], [2, 2, 2]);
  });
});

test('Module.to on its own device changes nothing, and a network keeps working after it', () => {
  E.tidy(() => {
    const conv = new E.Conv2d(2, 3, 3);
    const before = conv.parameters();
    const values = before.map((t) => t.toFloat32());
    assert.equal(conv.to('cpu'), conv);
    const after = conv.parameters();
    after.forEach((t, i) => {
      assert.equal(t, before[i], 'same tensor object');
      assert.deepEqual(t.toFloat32(), values[i]);
      assert.equal(t.device, 'cpu');
    });
    assert.deepEqual(conv.forward(E.randn([1, 2, 5, 5], { seed: 1 })).shape, [1, 3, 3, 3]);
    conv.dispose();
  });
});
