// The disposal rule of sequences (src/engine/nn/run_in_order.ts): intermediates are released as soon as
// the next layer has run; the input, the output and a tensor passed straight through are not. Skip
// connections rely on it: a ResNet block and a U-Net level still hold their input after their body ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { ResnetBlock } from '../../src/model/resnet_generator.js';
import { UnetSkipConnectionBlock } from '../../src/model/unet_generator.js';
import { assertClose } from '../helpers/assert_close.js';

/** Hands back the tensor it is given, as a layer may. */
class PassThrough extends E.Module {
  forward(x: E.Tensor): E.Tensor {
    return x;
  }
}

test('a Sequential leaves one new tensor: its output; the input stays usable', () => {
  E.tidy(() => E.noGrad(() => {
    const x = E.randn([1, 2, 4, 4], { seed: 1 });
    for (const seq of [new E.Sequential(new E.ReLU(), new E.Tanh(), new E.Identity()), new E.Sequential(new E.ReLU(), new PassThrough(), new E.Tanh()), new E.Sequential(new E.ReLU(), new PassThrough())]) {
      const before = E.liveTensors();
      const y = seq.forward(x);
      assert.equal(E.liveTensors(), before + 1, 'only the output is left');
      assert.equal(x.isDisposed, false);
      assert.equal(y.isDisposed, false);
      assertClose(y.toFloat32(), seq.layers.length === 2 ? x.relu().toFloat32() : x.relu().tanh().toFloat32(), 'output');
      y.dispose();
    }
  }));
});

test('skip connections keep their input: x + body(x) and cat([leaky(x), body(leaky(x))])', () => {
  E.tidy(() => {
    E.manualSeed(2);
    const block = new ResnetBlock(4);
    const x = E.randn([1, 4, 6, 6], { seed: 3 });
    const before = E.liveTensors();
    const y = block.forward(x);
    assert.equal(E.liveTensors(), before + 1);
    assertClose(y.toFloat32(), x.add(block.convBlock.forward(x)).toFloat32(), 'x + body(x)');
    for (const view of [(t: E.Tensor) => block.forward(t), E.fusedForward(block)]) {
      const z = E.noGrad(() => view(x));
      assert.equal(x.isDisposed, false);
      assertClose(z.toFloat32(), y.toFloat32(), 'the same under noGrad, fused or not');
    }

    const level = new UnetSkipConnectionBlock('innermost', 2, 4, { norm: 'instance' });
    const u = E.randn([1, 2, 8, 8], { seed: 4 });
    const beforeLevel = E.liveTensors();
    const out = level.forward(u);
    assert.equal(E.liveTensors(), beforeLevel + 1);
    assert.equal(u.isDisposed, false);
    const activated = u.leakyRelu(0.2);
    const [, ...body] = level.model.layers;
    const expected = E.cat([activated, new E.Sequential(...body).forward(activated)], 1);
    assertClose(out.toFloat32(), expected.toFloat32(), 'cat([leaky(x), body(leaky(x))])');
    assertClose(E.noGrad(() => E.fusedForward(level)(u)).toFloat32(), expected.toFloat32(), 'fused view');
    block.dispose();
    level.dispose();
  });
});
