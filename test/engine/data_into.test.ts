// Tensor.toFloat32Into: a tensor's values copied into the caller's array, in the logical row-major order
// whatever the memory layout (tiled translation hands it channels-last views).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';

test('a permuted view is copied in its logical order, into the array given', () => {
  const [h, w, c] = [3, 4, 5];
  const hwc = Float32Array.from({ length: h * w * c }, (_, i) => i * 0.5 - 7);
  E.tidy(() => {
    const chw = E.tensor(hwc, [1, h, w, c]).permute([0, 3, 1, 2]);
    const out = new Float32Array(c * h * w).fill(Number.NaN);
    assert.equal(chw.toFloat32Into(out), out);
    // Element (ch, y, x) of the CHW view is element (y, x, ch) of the HWC data.
    for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) assert.equal(out[(ch * h + y) * w + x], hwc[(y * w + x) * c + ch]);
  });
});

test('a wrong length or element type is refused, and nothing is written', () => {
  E.tidy(() => {
    const t = E.ones([2, 3]);
    const short = new Float32Array(5);
    assert.throws(() => t.toFloat32Into(short), /expected a Float32Array of 6 floats but received 5/);
    assert.deepEqual([...short], [0, 0, 0, 0, 0]);
    assert.throws(() => t.toFloat32Into(new Float64Array(6) as unknown as Float32Array), /expected a Float32Array to copy into/);
    assert.throws(() => E.tensor(new Int32Array([1, 2]), [2], { dtype: 'int32' }).toFloat32Into(new Float32Array(2)), /expected a floating tensor/);
  });
});
