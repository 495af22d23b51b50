// Under --precision bf16 the model, not the engine, decides which convolutions stay float32
// (src/model/conv_precision.ts). The expected names are derived on paper from the reference's layer
// indices (models/networks.py): a generator's first and last convolution, a discriminator's first and
// last. The same layers the engine used to keep float32 by its own rule (weight.shape[0] <= 4 or
// weight.shape[1] <= 4) are checked too, so behaviour is unchanged, narrow test networks included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { defineD, defineG, type DiscriminatorSpec, type GeneratorSpec } from '../../src/model/networks.js';

/** Every Conv2d in `net` with its state_dict path. */
function convs(net: E.Module, prefix = ''): [string, E.Conv2d][] {
  const out: [string, E.Conv2d][] = [];
  for (const [name, child] of net.children()) {
    if (child instanceof E.Conv2d) out.push([prefix + name, child]);
    out.push(...convs(child, `${prefix}${name}.`));
  }
  return out;
}

function float32Convs(net: E.Module): string[] {
  const all = convs(net);
  for (const [name, c] of all) assert.ok(c.precision === 'float32' || c.precision === null, `${name}: precision ${c.precision}`);
  // The rule the engine applied before the decision moved to the model, on the weight's shape.
  for (const [name, c] of all) assert.equal(c.precision === 'float32', c.weight.shape[0]! <= 4 || c.weight.shape[1]! <= 4, `${name} keeps the engine's former choice`);
  return all.filter(([, c]) => c.precision === 'float32').map(([name]) => name);
}

const generators: [GeneratorSpec, string[]][] = [
  // pad, conv (1), norm, relu, 2 x (conv, norm, relu), 9 blocks (10-18), 2 x (convT, norm, relu), pad, conv (26), tanh
  [{ netG: 'resnet_9blocks', channels: 3, ngf: 16, nBlocks: 9 }, ['model.1', 'model.26']],
  [{ netG: 'resnet_6blocks', channels: 1, ngf: 16, nBlocks: 9 }, ['model.1', 'model.23']],
  // The outermost level's downconv; its transposed conv is float32 anyway (transposed convs never run in bfloat16).
  [{ netG: 'unet_128', channels: 3, ngf: 8, nBlocks: 9 }, ['model.model.0']],
  [{ netG: 'unet_256', channels: 1, ngf: 8, nBlocks: 9 }, ['model.model.0']],
  // 2 filters: the downsampling convs have 2 and 4 input channels, so they stay float32 too (as before).
  [{ netG: 'resnet_9blocks', channels: 3, ngf: 2, nBlocks: 2 }, ['model.1', 'model.4', 'model.7', 'model.19']],
];

for (const [spec, expected] of generators) {
  test(`${spec.netG} (${spec.channels} channels, ngf ${spec.ngf}) keeps ${expected.join(', ')} float32`, () => {
    const net = defineG(spec);
    try {
      assert.deepEqual(float32Convs(net), expected);
    } finally {
      net.dispose();
    }
  });
}

const discriminators: [DiscriminatorSpec, string[]][] = [
  // conv (0), lrelu, 2 x (conv, norm, lrelu), conv, norm, lrelu, conv (11)
  [{ netD: 'basic', channels: 3, ndf: 16 }, ['model.0', 'model.11']],
  // n_layers 5: conv (0), lrelu, 4 x (conv, norm, lrelu), conv, norm, lrelu, conv (17)
  [{ netD: 'n_layers', nLayers: 5, channels: 1, ndf: 8 }, ['model.0', 'model.17']],
  // conv (0), lrelu, conv, norm, lrelu, conv (5)
  [{ netD: 'pixel', channels: 3, ndf: 16 }, ['net.0', 'net.5']],
];

for (const [spec, expected] of discriminators) {
  test(`netD ${spec.netD} (${spec.channels} channels, ndf ${spec.ndf}) keeps ${expected.join(', ')} float32`, () => {
    const net = defineD(spec);
    try {
      assert.deepEqual(float32Convs(net), expected);
    } finally {
      net.dispose();
    }
  });
}

test('under a bfloat16 scope a generator\'s float32 layers give exactly their float32 output, the others do not', () => {
  E.tidy(() => {
    E.manualSeed(1);
    const net = defineG({ netG: 'resnet_6blocks', channels: 3, ngf: 8, nBlocks: 6 });
    const x = E.randn([1, 3, 16, 16], { seed: 2 });
    for (const [name, conv] of convs(net)) {
      const input = E.randn([1, conv.inChannels, 12, 12], { seed: 3 });
      const full = conv.forward(input).toFloat32();
      const half = E.withConvolutionPrecision('bfloat16', () => conv.forward(input)).toFloat32();
      if (conv.precision === 'float32') assert.deepEqual(half, full, `${name} stays float32`);
      else assert.notDeepEqual(half, full, `${name} runs in bfloat16`);
    }
    assert.equal(E.withConvolutionPrecision('bfloat16', () => net.forward(x)).dtype, 'float32');
    net.dispose();
  });
});
