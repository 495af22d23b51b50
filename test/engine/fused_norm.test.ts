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

// Channels-last inputs (the ResNet generator's inner layers under bfloat16 convolutions) take their own loops
// (native/fused_norm_channels_last.cc) and must give the same values, in the same format as the input.
const FORMATS = ['contiguous', 'channels_last'] as const;

function assertFormat(t: E.Tensor, format: (typeof FORMATS)[number], what: string): void {
  const channelsLast = t.isContiguous('channels_last') && !t.isContiguous();
  assert.equal(channelsLast ? 'channels_last' : 'contiguous', format, `${what} should be ${format}`);
}

test('the fused op and its backward match PyTorch in float64, contiguous and channels-last', () => {
  const file = join(tempDir(), 'norm_relu_pad.safetensors');
  runReference('norm_relu_pad_golden.py', [file]);
  const golden = readSafetensors(file).tensors;
  const cases = [
    ['plain', false, 0],
    ['relu', true, 0],
    ['relu_pad1', true, 1],
    ['pad1', false, 1],
    ['relu_pad3', true, 3],
    ['relu_pad1_offset', true, 1],
    ['wide_relu_pad1', true, 1],
    ['wide_pad3_offset', false, 3],
    ['wide_plain', false, 0],
  ] as const;
  for (const threads of [1, 2]) {
    const before = E.getNumThreads();
    E.setNumThreads(threads);
    try {
      for (const format of FORMATS) {
        for (const [name, relu, pad] of cases) {
          E.tidy(() => {
            const x = fromStored(golden.get(`${name}.x`)!).contiguous(format);
            x.requiresGrad = true;
            const out = E.instanceNormReluPad(x, { relu, pad });
            const what = `${name} (${format}, ${threads} threads)`;
            if (x.shape[1] !== 1) assertFormat(out, format, `${what} output`);
            assertClose(out.toFloat32(), golden.get(`${name}.out`)!.data as Float64Array, `${what} output`, 1e-5, 1e-5);
            out.mul(fromStored(golden.get(`${name}.upstream`)!)).sum().backward();
            assertClose(x.grad!.toFloat32(), golden.get(`${name}.grad`)!.data as Float64Array, `${what} input gradient`, 1e-4, 1e-5);
          });
        }
      }
    } finally {
      E.setNumThreads(before);
    }
  }
});

test('reflection padding and its backward match PyTorch, contiguous and channels-last', () => {
  const file = join(tempDir(), 'norm_relu_pad.safetensors');
  runReference('norm_relu_pad_golden.py', [file]);
  const golden = readSafetensors(file).tensors;
  for (const threads of [1, 2]) {
    const before = E.getNumThreads();
    E.setNumThreads(threads);
    try {
      for (const format of FORMATS) {
        for (const [name, pad] of [['pad_only_2', 2], ['pad_only_1', 1]] as const) {
          E.tidy(() => {
            const x = fromStored(golden.get(`${name}.x`)!).contiguous(format);
            x.requiresGrad = true;
            const out = E.pad2d(x, pad, 'reflect');
            const what = `${name} (${format}, ${threads} threads)`;
            assertFormat(out, format, `${what} output`);
            assertClose(out.toFloat32(), golden.get(`${name}.out`)!.data as Float64Array, `${what} output`, 0, 0);
            out.mul(fromStored(golden.get(`${name}.upstream`)!)).sum().backward();
            assertFormat(x.grad!, format, `${what} input gradient`);
            assertClose(x.grad!.toFloat32(), golden.get(`${name}.grad`)!.data as Float64Array, `${what} input gradient`, 1e-6, 1e-6);
          });
        }
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
      const channelsLast = x.contiguous('channels_last');
      E.instanceNormReluPad(channelsLast, { relu: true, pad: 1 }).square().sum().backward();
      E.pad2d(channelsLast, 2, 'reflect').square().sum().backward();
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

for (const ngf of [8, 6]) {
  // ngf 8 gives the blocks 32 channels (two runs of sixteen for the channels-last loops), ngf 6 gives 24.
  test(`the ResNet generator (ngf ${ngf}) trains through the fused op, contiguous and channels-last: output and every gradient as with ATen's ops`, () => {
    E.tidy(() => {
      E.manualSeed(3);
      const g = new ResnetGenerator({ channels: 3, ngf, nBlocks: 2 });
      const x = E.randn([1, 3, 16, 20], { seed: 4 }).tanh();
      const upstream = E.randn([1, 3, 16, 20], { seed: 5 });
      const run = (forward: (t: E.Tensor) => E.Tensor) => {
        E.zeroGrad(g.parameters());
        const out = forward(x);
        out.mul(upstream).sum().backward();
        return { out: out.toFloat32(), grads: g.parameters().map((p) => p.grad!.toFloat32()) };
      };
      const atenOps = run((t) => g.model.forward(t)); // Sequential runs each layer itself
      // Biases before an instance norm have a true gradient of zero, so theirs are rounding noise on both
      // sides: the absolute tolerance is relative to the largest gradient of the network.
      const scale = Math.max(...atenOps.grads.map((grad) => Math.max(...grad.map(Math.abs))));
      for (const format of FORMATS) {
        g.innerFormat = format;
        const fused = run((t) => g.forward(t));
        assertClose(fused.out, atenOps.out, `generator output, ${format} inner layers`);
        fused.grads.forEach((grad, i) => assertClose(grad, atenOps.grads[i]!, `gradient of parameter ${i}, ${format} inner layers`, 1e-4, 1e-6 * scale));
      }
      g.dispose();
    });
  });
}

test('under bfloat16 convolutions the ResNet generator\'s inner layers run channels-last where oneDNN is called directly, with the same output', () => {
  E.tidy(() => {
    E.manualSeed(3);
    const g = new ResnetGenerator({ channels: 3, ngf: 8, nBlocks: 2 });
    const x = E.randn([1, 3, 16, 16], { seed: 4 }).tanh();
    const direct = E.directConv().enabled;
    assert.equal(E.withConvolutionPrecision('bfloat16', () => g.innerFormatFor(x)), direct ? 'channels_last' : 'contiguous');
    assert.equal(E.withConvolutionPrecision('float32', () => g.innerFormatFor(x)), 'contiguous');
    assert.equal(g.innerFormatFor(x.to({ dtype: 'float64' })), 'contiguous');
    const outputs = FORMATS.map((format) => {
      g.innerFormat = format;
      const out = E.withConvolutionPrecision('bfloat16', () => E.noGrad(() => g.forward(x)));
      assert.ok(out.isContiguous(), `the output is contiguous (${format} inner layers)`);
      return out.toFloat32();
    });
    // The convolutions round the same bfloat16 operands either way; only the norms' sums differ in order, which
    // can move a value across a bfloat16 rounding boundary (2^-8 relative) now and then.
    assertClose(outputs[1]!, outputs[0]!, 'bfloat16 output, channels-last against contiguous inner layers', 0, 2e-2);
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
