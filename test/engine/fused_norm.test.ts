// The fusion of instance norm, ReLU and reflection pad, forward and backward, against PyTorch in float64 and
// against the three ATen ops it replaces; networks use it only through the explicit pass fusedForward (the
// translator, and the ResNet generator's own forward), which gives the plain forward's output and gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { fromStored } from '../../src/io/tensor_store.js';
import { defineG } from '../../src/model/networks.js';
import { ResnetGenerator } from '../../src/model/resnet_generator.js';
import { engineTranslator } from '../../src/translate/translator.js';
import { assertClose } from '../helpers/assert_close.js';
import { assertMemoryFlat } from '../helpers/memory_flat.js';
import { runReference, tempDir } from '../helpers/reference.js';

test('the fused op and its backward match PyTorch in float64', () => {
  const file = join(tempDir(), 'norm_relu_pad.safetensors');
  runReference('norm_relu_pad_golden.py', [file]);
  const golden = readSafetensors(file).tensors;
  const cases = [['plain', false, 0], ['relu', true, 0], ['relu_pad1', true, 1], ['pad1', false, 1], ['relu_pad3', true, 3], ['relu_pad1_offset', true, 1]] as const;
  for (const threads of [1, 2]) {
    const before = E.getNumThreads();
    E.setNumThreads(threads);
    try {
      for (const [name, relu, pad] of cases) {
        E.tidy(() => {
          const x = fromStored(golden.get(`${name}.x`)!);
          x.requiresGrad = true;
          const out = E.instanceNormReluPad(x, { relu, pad });
          assertClose(out.toFloat32(), golden.get(`${name}.out`)!.data as Float64Array, `${name} output, ${threads} threads`, 1e-5, 1e-5);
          out.mul(fromStored(golden.get(`${name}.upstream`)!)).sum().backward();
          assertClose(x.grad!.toFloat32(), golden.get(`${name}.grad`)!.data as Float64Array, `${name} input gradient, ${threads} threads`, 1e-4, 1e-5);
        });
      }
    } finally {
      E.setNumThreads(before);
    }
  }
});

test('the fused backward and the reflection pad keep live tensors, allocator bytes and RSS flat', () => {
  const x = E.keep(E.randn([1, 16, 24, 24], { seed: 2 }));
  x.requiresGrad = true;
  assertMemoryFlat(() =>
    E.tidy(() => {
      E.instanceNormReluPad(x, { relu: true, pad: 1 }).square().sum().backward();
      E.pad2d(x, 2, 'reflect').square().sum().backward();
      E.zeroGrad([x]);
    }),
  );
  x.dispose();
});

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

test('the ResNet generator trains through the fused op: output and every gradient as with ATen\'s ops', () => {
  E.tidy(() => {
    E.manualSeed(3);
    const g = new ResnetGenerator({ channels: 3, ngf: 8, nBlocks: 2 });
    const x = E.randn([1, 3, 16, 20], { seed: 4 }).tanh();
    const upstream = E.randn([1, 3, 16, 20], { seed: 5 });
    const run = (forward: (t: E.Tensor) => E.Tensor) => {
      E.zeroGrad(g.parameters());
      const out = forward(x);
      out.mul(upstream).sum().backward();
      return { out: out.toFloat32(), grads: g.parameters().map((p) => p.grad!.toFloat32()) };
    };
    const fused = run((t) => g.forward(t));
    const atenOps = run((t) => g.model.forward(t)); // Sequential runs each layer itself
    assertClose(fused.out, atenOps.out, 'generator output');
    // Biases before an instance norm have a true gradient of zero, so theirs are rounding noise on both
    // sides: the absolute tolerance is relative to the largest gradient of the network.
    const scale = Math.max(...atenOps.grads.map((grad) => Math.max(...grad.map(Math.abs))));
    fused.grads.forEach((grad, i) => assertClose(grad, atenOps.grads[i]!, `gradient of parameter ${i}`, 1e-4, 1e-6 * scale));
    g.dispose();
  });
});

test('U-Net and ResNet generators of every norm give the plain forward\'s output through fusedForward', () => {
  for (const [netG, size] of [['unet_128', 128], ['resnet_6blocks', 12]] as const) {
    for (const norm of ['instance', 'batch', 'none'] as const) {
      E.tidy(() => {
        E.manualSeed(5);
        const g = defineG({ netG, channels: 3, ngf: 4, nBlocks: 6, norm }).eval();
        const x = E.randn([1, 3, size, size], { seed: 6 }).tanh();
        const plain = E.noGrad(() => g.forward(x)).toFloat32();
        const fused = E.noGrad(() => E.fusedForward(g)(x));
        assert.equal(x.isDisposed, false, 'the input is the caller\'s');
        assertClose(fused.toFloat32(), plain, `${netG} ${norm}`);
        g.dispose();
      });
    }
  }
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
  const fused = E.tidy(() => E.noGrad(() => E.fusedForward(seq)(E.tensor(data, [1, 3, 10, 12]))).toFloat32());
  const translated = await engineTranslator(seq).translate(data, [1, 3, 10, 12]);
  assert.equal(normCalls, 1, 'the fused view and the translator run the fused op instead');
  assertClose(fused, plain, 'fused view');
  assertClose(translated, plain, 'translator');
  seq.dispose();
});
