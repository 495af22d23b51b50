// The .pb runner on frozen graphs our exporter would never write: Keras-style SAME convolutions
// (asymmetric padding), explicit paddings, dilation, a transposed conv whose size comes from
// Shape -> StridedSlice -> Mul -> Pack, leaky ReLU as Maximum(x, 0.2x), AddV2, int_val constants,
// control inputs, "name:0" inputs, a dead branch with an op we do not implement, and names of its
// own. TensorFlow.js runs the same bytes; both must agree within 1e-4.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { CheckpointError } from '../../src/errors.js';
import { PbTranslator } from '../../src/predict/model_runners/pb_runner.js';
import { assertClose } from '../helpers/assert_close.js';
import { GraphDefBuilder, I32, ints, seeded, str, T } from './graph_def_builder.js';
import { loadWithTfjs, runWithTfjs } from './tfjs_graph_model.js';

const OUTPUT = 'decoder/result/Tanh';

function keraslikeGraph(): Uint8Array {
  const g = new GraphDefBuilder();
  const random = seeded(42);
  const conv = (stride: number, padding: string, extra: Record<string, ReturnType<typeof ints>> = {}) => ({
    T,
    strides: ints([1, stride, stride, 1]),
    padding: str(padding),
    data_format: str('NHWC'),
    dilations: ints([1, 1, 1, 1]),
    ...extra,
  });
  g.placeholder('image', [-1, -1, -1, 3]);
  // Down: SAME stride 2 pads (0, 1) on even sizes, which PyTorch's symmetric padding cannot express.
  g.floats('encoder/kernel', [3, 3, 3, 4], random(108, 0.4));
  g.op('Conv2D', 'encoder/Conv2D', ['image:0', 'encoder/kernel'], conv(2, 'SAME'));
  g.floats('encoder/bias', [4], random(4, 0.2));
  g.op('BiasAdd', 'encoder/BiasAdd', ['encoder/Conv2D', 'encoder/bias'], { T, data_format: str('NHWC') });
  g.floats('encoder/alpha', [], Float32Array.of(0.2));
  g.op('Mul', 'encoder/leaky/mul', ['encoder/alpha', 'encoder/BiasAdd'], { T });
  g.op('Maximum', 'encoder/leaky', ['encoder/BiasAdd', 'encoder/leaky/mul'], { T });
  // Up: input_sizes = [n, 2h, 2w, 5] from the runtime shape, as Keras' Conv2DTranspose builds it.
  g.op('Shape', 'decoder/up/Shape', ['encoder/leaky'], { T, out_type: I32 });
  const slice = (name: string, i: number): string => {
    const [b, e, s] = [`${name}/begin`, `${name}/end`, `${name}/strides`];
    g.int32s(b, [1], [i]);
    g.int32s(e, [1], [i + 1]);
    g.int32s(s, [1], [1]);
    const masks = { begin_mask: { i: 0 }, end_mask: { i: 0 }, ellipsis_mask: { i: 0 }, new_axis_mask: { i: 0 }, shrink_axis_mask: { i: 1 } };
    return g.op('StridedSlice', name, ['decoder/up/Shape', b, e, s], { T: I32, Index: I32, ...masks });
  };
  g.int32s('decoder/up/two', [], [2]);
  g.int32s('decoder/up/channels', [], [5]);
  g.op('Mul', 'decoder/up/h2', [slice('decoder/up/h', 1), 'decoder/up/two'], { T: I32 });
  g.op('Mul', 'decoder/up/w2', [slice('decoder/up/w', 2), 'decoder/up/two'], { T: I32 });
  g.op('Pack', 'decoder/up/stack', [slice('decoder/up/n', 0), 'decoder/up/h2', 'decoder/up/w2', 'decoder/up/channels'], { T: I32, N: { i: 4 }, axis: { i: 0 } });
  g.floats('decoder/up/kernel', [3, 3, 5, 4], random(180, 0.4));
  g.op('Conv2DBackpropInput', 'decoder/up/conv2d_transpose', ['decoder/up/stack', 'decoder/up/kernel', 'encoder/leaky'], conv(2, 'SAME'));
  g.int32s('decoder/pad/paddings', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0]);
  g.op('MirrorPad', 'decoder/pad', ['decoder/up/conv2d_transpose', 'decoder/pad/paddings'], { T, Tpaddings: I32, mode: str('REFLECT') });
  // Asymmetric explicit padding and a dilated kernel.
  g.floats('decoder/head/kernel', [3, 3, 5, 2], random(90, 0.4));
  const explicit = { explicit_paddings: ints([0, 0, 1, 2, 2, 1, 0, 0]), dilations: ints([1, 2, 2, 1]) };
  g.op('Conv2D', 'decoder/head/Conv2D', ['decoder/pad', 'decoder/head/kernel'], conv(1, 'EXPLICIT', explicit));
  // Instance norm as Keras add-ons spell it, with int64-free int32 axes and AddV2.
  g.int32s('decoder/norm/axes', [2], [1, 2]);
  const keep = { T, Tidx: I32, keep_dims: { b: true } };
  g.op('Mean', 'decoder/norm/mean', ['decoder/head/Conv2D', 'decoder/norm/axes'], keep);
  g.op('SquaredDifference', 'decoder/norm/sq', ['decoder/head/Conv2D', 'decoder/norm/mean'], { T });
  g.op('Mean', 'decoder/norm/var', ['decoder/norm/sq', 'decoder/norm/axes'], keep);
  g.floats('decoder/norm/eps', [], Float32Array.of(1e-3));
  g.op('AddV2', 'decoder/norm/add', ['decoder/norm/var', 'decoder/norm/eps'], { T });
  g.op('Rsqrt', 'decoder/norm/rsqrt', ['decoder/norm/add'], { T });
  g.op('Sub', 'decoder/norm/sub', ['decoder/head/Conv2D', 'decoder/norm/mean'], { T });
  g.op('Mul', 'decoder/norm/mul', ['decoder/norm/sub', 'decoder/norm/rsqrt'], { T });
  g.op('LeakyRelu', 'decoder/act', ['decoder/norm/mul'], { T, alpha: { f: 0.1 } });
  g.op('Relu', 'decoder/relu', ['decoder/norm/mul'], { T });
  g.op('Add', 'decoder/sum', ['decoder/act', 'decoder/relu'], { T });
  g.op('Tanh', OUTPUT, ['decoder/sum', '^image'], { T });
  // A branch the output does not need, with an op the runner does not implement.
  g.op('Sigmoid', 'aux/Sigmoid', ['encoder/leaky'], { T });
  return g.encode();
}

describe('a frozen graph made elsewhere', () => {
  let bytes: Uint8Array;
  let ours: PbTranslator;
  let tfjs: GraphModel;

  before(async () => {
    bytes = keraslikeGraph();
    ours = PbTranslator.fromBytes(bytes, 'keraslike.pb', { output: OUTPUT });
    tfjs = await loadWithTfjs(bytes);
  });

  after(() => {
    ours.dispose();
    tfjs.dispose();
  });

  for (const [h, w] of [
    [30, 44],
    [29, 31],
  ]) {
    test(`${h}x${w}: our interpreter matches tfjs within 1e-4`, async () => {
      const nchw = seeded(h * w)(2 * 3 * h * w);
      const nhwc = new Float32Array(nchw.length);
      for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let i = 0; i < h * w; i++) nhwc[(n * h * w + i) * 3 + c] = nchw[(n * 3 + c) * h * w + i];
      const expected = runWithTfjs(tfjs, nhwc, [2, h, w, 3], { input: 'image', output: OUTPUT });
      const [oh, ow] = expected.shape.slice(1, 3);
      const got = await ours.run(nchw, [2, 3, h, w]);
      assert.deepEqual(got.shape, [2, 2, oh, ow]);
      const gotNhwc = new Float32Array(got.data.length);
      for (let n = 0; n < 2; n++) for (let c = 0; c < 2; c++) for (let i = 0; i < oh * ow; i++) gotNhwc[(n * oh * ow + i) * 2 + c] = got.data[(n * 2 + c) * oh * ow + i];
      assertClose(gotNhwc, expected.data, 'interpreter vs tfjs', 0, 1e-4);
    });
  }

  test('an op outside the supported set, on the path to the output, is named with the node and the file', () => {
    assert.throws(
      () => PbTranslator.fromBytes(bytes, 'keraslike.pb', { output: 'aux/Sigmoid' }),
      (error: Error) => {
        assert.ok(error instanceof CheckpointError);
        assert.match(error.message, /^keraslike\.pb: node 'aux\/Sigmoid' uses op Sigmoid, which the \.pb runner does not implement\. Supported ops: Placeholder, Const, Identity/);
        return true;
      },
    );
  });

  test('two sinks and no node named "output": the runner asks which one', () => {
    assert.throws(() => PbTranslator.fromBytes(bytes, 'keraslike.pb'), {
      name: 'CheckpointError',
      message: "keraslike.pb has 2 candidate outputs (decoder/result/Tanh, aux/Sigmoid); name one with the output option.",
    });
  });

  test('an image with the wrong channel count is refused before running', async () => {
    await assert.rejects(ours.run(new Float32Array(16), [1, 1, 4, 4]), {
      name: 'CheckpointError',
      message: 'keraslike.pb expects 3-channel images but the batch has 1 channels. Use image_channel 3 or a model trained for 1.',
    });
  });
});

describe('data_format NCHW', () => {
  test('a Conv2D + BiasAdd graph in NCHW gives the NHWC graph\'s result', async () => {
    const random = seeded(7);
    const kernel = random(3 * 3 * 2 * 3, 0.5);
    const bias = random(3, 0.5);
    const build = (format: 'NHWC' | 'NCHW'): PbTranslator => {
      const g = new GraphDefBuilder();
      const strides = format === 'NHWC' ? [1, 2, 2, 1] : [1, 1, 2, 2];
      g.placeholder('x', format === 'NHWC' ? [-1, -1, -1, 2] : [-1, 2, -1, -1]);
      g.floats('k', [3, 3, 2, 3], kernel);
      g.floats('b', [3], bias);
      g.op('Conv2D', 'conv', ['x', 'k'], { T, strides: ints(strides), padding: str('SAME'), data_format: str(format) });
      g.op('BiasAdd', 'y', ['conv', 'b'], { T, data_format: str(format) });
      return PbTranslator.fromBytes(g.encode(), `${format}.pb`, { layout: format });
    };
    const [nhwc, nchw] = [build('NHWC'), build('NCHW')];
    const input = random(2 * 2 * 10 * 12);
    const a = await nhwc.run(input, [2, 2, 10, 12]);
    const b = await nchw.run(input, [2, 2, 10, 12]);
    assert.deepEqual(a.shape, [2, 3, 5, 6]);
    assertClose(b.data, a.data, 'NCHW vs NHWC', 0, 1e-5);
    nhwc.dispose();
    nchw.dispose();
  });
});
