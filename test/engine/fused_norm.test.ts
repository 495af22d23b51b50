// The inference fusion of instance norm, ReLU and reflection pad equals the three ATen ops it
// replaces; networks use it only through the explicit pass fuseForInference, which gives the plain
// forward's output (skip connections included) and falls back to autograd's ops when gradients are on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { defineG } from '../../src/model/networks.js';
import { ResnetGenerator } from '../../src/model/resnet_generator.js';
import { engineTranslator } from '../../src/translate/translator.js';
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

test('the generator gives the same output with the fused inference pass as with the training ops', () => {
  E.tidy(() => {
    E.manualSeed(3);
    const g = new ResnetGenerator({ channels: 3, ngf: 8, nBlocks: 2 });
    const x = E.randn([1, 3, 16, 20], { seed: 4 }).tanh();
    const trainingOps = g.forward(x);
    const fused = E.noGrad(() => E.fuseForInference(g)(x));
    assertClose(fused.toFloat32(), trainingOps.toFloat32(), 'generator output');
    g.dispose();
  });
});

test('U-Net and ResNet generators of every norm give the plain forward\'s output through fuseForInference', () => {
  for (const [netG, size] of [['unet_128', 128], ['resnet_6blocks', 12]] as const) {
    for (const norm of ['instance', 'batch', 'none'] as const) {
      E.tidy(() => {
        E.manualSeed(5);
        const g = defineG({ netG, channels: 3, ngf: 4, nBlocks: 6, norm }).eval();
        const x = E.randn([1, 3, size, size], { seed: 6 }).tanh();
        const plain = E.noGrad(() => g.forward(x)).toFloat32();
        const fused = E.noGrad(() => E.fuseForInference(g)(x));
        assert.equal(x.isDisposed, false, 'the input is the caller\'s');
        assertClose(fused.toFloat32(), plain, `${netG} ${norm}`);
        g.dispose();
      });
    }
  }
});

test('with gradients on, the fused view runs the training ops: same output, gradients flow', () => {
  E.tidy(() => {
    E.manualSeed(7);
    const g = new ResnetGenerator({ channels: 3, ngf: 8, nBlocks: 1 });
    const x = E.randn([1, 3, 12, 12], { seed: 8 });
    const viaView = E.fuseForInference(g)(x);
    assert.deepEqual(viaView.toFloat32(), g.forward(x).toFloat32());
    viaView.sum().backward();
    assert.ok(g.parameters()[0]!.grad, 'the first conv weight has a gradient');
    g.dispose();
  });
});

test('only the explicit pass fuses: Sequential runs its norm layer itself, the fused view and the translator do not', async () => {
  E.manualSeed(9);
  const seq = new E.Sequential(new E.ReflectionPad2d(1), new E.Conv2d(3, 8, 3), new E.InstanceNorm2d(8), new E.ReLU(), new E.ReflectionPad2d(1), new E.Conv2d(8, 3, 3));
  const norm = seq.layers[2] as E.InstanceNorm2d;
  let normCalls = 0;
  const own = norm.forward.bind(norm);
  norm.forward = (x) => (normCalls++, own(x));
  const data = E.tidy(() => E.randn([1, 3, 10, 12], { seed: 10 }).toFloat32());
  const plain = E.tidy(() => E.noGrad(() => seq.forward(E.tensor(data, [1, 3, 10, 12]))).toFloat32());
  assert.equal(normCalls, 1, 'Sequential under noGrad runs the norm layer');
  const fused = E.tidy(() => E.noGrad(() => E.fuseForInference(seq)(E.tensor(data, [1, 3, 10, 12]))).toFloat32());
  const translated = await engineTranslator(seq).translate(data, [1, 3, 10, 12]);
  assert.equal(normCalls, 1, 'the fused view and the translator run the fused op instead');
  assertClose(fused, plain, 'fused view');
  assertClose(translated, plain, 'translator');
  seq.dispose();
});
