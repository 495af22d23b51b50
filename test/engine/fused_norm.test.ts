// The inference fusion of instance norm, ReLU and reflection pad equals the three ATen ops it
// replaces, and Sequential uses it only under noGrad (so training keeps autograd's ops).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { ResnetGenerator } from '../../src/model/resnet_generator.js';
import { assertClose } from '../helpers/assert_close.js';

test('instanceNormReluPad equals reflection_pad(relu(instance_norm(x)))', () => {
  E.tidy(() => {
    // A large offset checks that the statistics keep their precision when the mean dwarfs the spread.
    const x = E.randn([2, 5, 9, 7], { seed: 1 }).mul(3).add(40);
    for (const relu of [false, true]) {
      for (const pad of [0, 1, 3]) {
        const fused = E.instanceNormReluPad(x, { relu, pad });
        let ref = E.instanceNorm(x);
        if (relu) ref = ref.relu();
        if (pad) ref = E.pad2d(ref, pad, 'reflect');
        assert.deepEqual(fused.shape, ref.shape);
        assertClose(fused.toFloat32(), ref.toFloat32(), `relu ${relu}, pad ${pad}`);
      }
    }
    assert.throws(() => E.instanceNormReluPad(x, { relu: true, pad: 7 }), /smaller than the input/);
    assert.throws(() => E.instanceNormReluPad(x.to({ dtype: 'float64' }), { relu: true, pad: 1 }), /float32/);
  });
});

test('the generator gives the same output with the fused inference path as with the training ops', () => {
  E.tidy(() => {
    E.manualSeed(3);
    const g = new ResnetGenerator({ channels: 3, ngf: 8, nBlocks: 2 });
    const x = E.randn([1, 3, 16, 20], { seed: 4 }).tanh();
    const trainingOps = g.forward(x); // gradients on: no fusion
    const fused = E.noGrad(() => g.forward(x));
    assertClose(fused.toFloat32(), trainingOps.toFloat32(), 'generator output');
    g.dispose();
  });
});
