// bfloat16 convolutions: float32 in and out, gradients flow back in float32, values within bfloat16's
// precision of the float32 result (8 mantissa bits: about 1e-2 relative over a 3x3x16 sum). Transposed
// convolutions follow the scope where oneDNN is called directly and stay float32 through libtorch's casts (for
// quality; see functional.ts). Which other convolutions stay float32 is the
// model's decision (test/model/conv_precision.test.ts): the engine follows a call's or layer's precision
// and has no rule of its own. The generator's transposed convolutions run as four phase convolutions,
// which equal PyTorch's conv_transpose2d, forward and backward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { subpixelTranspose } from '../../src/engine/subpixel_transpose.js';
import { join } from 'node:path';
import { readSafetensors } from '../../src/io/safetensors.js';
import { fromStored } from '../../src/io/tensor_store.js';
import { assertClose, relativeError } from '../helpers/assert_close.js';
import { runReference, tempDir } from '../helpers/reference.js';

test('conv2d in bfloat16 matches float32 within bfloat16 precision, with gradients; transposed convs follow the scope only through direct oneDNN', () => {
  E.tidy(() => {
    const x = E.randn([2, 16, 12, 12], { seed: 1 });
    const w = E.randn([8, 16, 3, 3], { seed: 2 }).mul(0.1);
    const wt = E.randn([16, 8, 3, 3], { seed: 3 }).mul(0.1);
    const b = E.randn([8], { seed: 4 });
    for (const t of [x, w, wt, b]) t.requiresGrad = true;
    const run = () => {
      const y = E.conv2d(x, w, b, { padding: 1 });
      const z = E.convTranspose2d(x, wt, null, { stride: 2, padding: 1, outputPadding: 1 });
      return { y, z };
    };
    const full = run();
    const half = E.withConvolutionPrecision('bfloat16', run);
    assert.equal(E.convolutionPrecision(), 'float32', 'the precision scope is restored');
    assert.equal(half.y.dtype, 'float32');
    assert.equal(half.z.dtype, 'float32');
    assert.deepEqual(half.z.shape, [2, 8, 24, 24]);
    const ey = relativeError(half.y.toFloat32(), full.y.toFloat32());
    assert.ok(ey > 0 && ey < 2e-2, `conv2d relative error ${ey}`);
    if (E.directConv().enabled) {
      const ez = relativeError(half.z.toFloat32(), full.z.toFloat32());
      assert.ok(ez > 0 && ez < 2e-2, `conv_transpose2d in bfloat16 through direct oneDNN: relative error ${ez}`);
    }
    E.setDirectConv(false);
    try {
      const transposed = () => E.convTranspose2d(x, wt, null, { stride: 2, padding: 1, outputPadding: 1 }).toFloat32();
      assert.deepEqual(E.withConvolutionPrecision('bfloat16', transposed), transposed(), 'conv_transpose2d stays float32 through libtorch casts');
    } finally {
      E.setDirectConv(true);
    }
    half.y.sum().add(half.z.sum()).backward();
    for (const [name, t] of [['x', x], ['w', w], ['wt', wt], ['b', b]] as const) {
      const g = t.grad;
      assert.ok(g, `${name} has a gradient`);
      assert.equal(g.dtype, 'float32');
    }
  });
});

test('a conv given its own precision runs in it whatever the scope; without one, a 3-channel conv follows the scope', () => {
  E.tidy(() => {
    const image = E.randn([1, 3, 8, 8], { seed: 5 });
    const w3 = E.randn([16, 3, 3, 3], { seed: 6 });
    const full = E.conv2d(image, w3).toFloat32();
    const inScope = (o: E.Conv2dOptions) => E.withConvolutionPrecision('bfloat16', () => E.conv2d(image, w3, null, o)).toFloat32();
    assert.deepEqual(inScope({ precision: 'float32' }), full, 'precision float32 stays float32 in a bfloat16 scope');
    const e = relativeError(inScope({}), full);
    assert.ok(e > 0 && e < 2e-2, `no engine rule keeps a 3-channel conv float32: relative error ${e}`);
    assert.ok(relativeError(E.conv2d(image, w3, null, { precision: 'bfloat16' }).toFloat32(), full) > 0, 'precision bfloat16 runs in bfloat16 outside any scope');
  });
});

test('a Conv2d layer runs in its precision when the model set one, else in the scope\'s', () => {
  E.tidy(() => {
    const conv = new E.Conv2d(16, 8, 3, { padding: 1 });
    const x = E.randn([1, 16, 8, 8], { seed: 7 });
    const full = conv.forward(x).toFloat32();
    assert.ok(relativeError(E.withConvolutionPrecision('bfloat16', () => conv.forward(x)).toFloat32(), full) > 0, 'follows the bfloat16 scope');
    conv.precision = 'float32';
    assert.deepEqual(E.withConvolutionPrecision('bfloat16', () => conv.forward(x)).toFloat32(), full, 'its own float32 wins over the scope');
    conv.dispose();
  });
});

for (const direct of [true, false]) {
  // Directly, oneDNN pads each phase on its own side; otherwise the engine zero-pads x first (native/ops_nn.cc).
  test(`the four-phase rewrite of conv_transpose2d (k3 s2 p1 op1) equals PyTorch's conv_transpose2d, gradients included (direct oneDNN ${direct ? 'on' : 'off'})`, () => {
    // E.convTranspose2d itself takes the rewrite on the CPU in float32, so the reference is PyTorch's.
    const file = join(tempDir(), 'conv_transpose.safetensors');
    runReference('conv_transpose_golden.py', [file]);
    const golden = readSafetensors(file).tensors;
    const get = (name: string) => golden.get(name)!;
    const before = E.directConv().enabled;
    E.setDirectConv(direct);
    try {
      E.tidy(() => {
        const [x, w, b] = ['x', 'w', 'b'].map((n) => fromStored(get(n)));
        for (const t of [x, w, b]) t.requiresGrad = true;
        const ours = subpixelTranspose(x, w, b, (a, k, bias, padding) => E.conv2d(a, k, bias, { padding }));
        assert.deepEqual(ours.shape, get('out').shape);
        assertClose(ours.toFloat32(), get('out').data as Float32Array, 'forward');
        const viaEngine = E.convTranspose2d(x.detach(), w.detach(), b.detach(), { stride: 2, padding: 1, outputPadding: 1 });
        assertClose(viaEngine.toFloat32(), get('out').data as Float32Array, 'forward through E.convTranspose2d');
        ours.mul(fromStored(get('up'))).sum().backward();
        for (const [t, name] of [[x, 'x'], [w, 'w'], [b, 'b']] as const) assertClose(t.grad!.toFloat32(), get(`grad_${name}`).data as Float32Array, `grad of ${name}`, 1e-5, 1e-5);
      });
    } finally {
      E.setDirectConv(before);
    }
  });
}
