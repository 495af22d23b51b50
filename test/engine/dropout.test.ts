// Dropout as torch.nn.Dropout defines it: in training each value is zeroed with probability p and the
// rest scaled by 1 / (1 - p); in eval it passes values through. (The reference's --no_dropout false.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';

test('dropout zeroes about p of the values and scales the rest; eval is the identity', () => {
  E.manualSeed(11);
  const layer = new E.Dropout(0.5);
  E.tidy(() => {
    const x = E.full([1, 4, 64, 64], 3);
    const y = layer.forward(x).toFloat32();
    const zeros = y.filter((v) => v === 0).length / y.length;
    assert.ok(Math.abs(zeros - 0.5) < 0.03, `${zeros} of the values were dropped`);
    assert.ok(y.every((v) => v === 0 || Math.abs(v - 6) < 1e-6), 'kept values are scaled by 2');
    layer.eval();
    assert.deepEqual(layer.forward(x).toFloat32(), x.toFloat32());
  });
});
