// The layers the ResnetGenerator does not use, or uses only one way: ZeroPad2d, LeakyReLU, an affine
// InstanceNorm2d with its own eps, convs without bias, a transposed conv without padding and one
// with output_padding 1 but no padding (extra zero rows, nothing cropped). Exported from a plain
// Sequential, each format must match the engine within 1e-4.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Conv2d, ConvTranspose2d, InstanceNorm2d, LeakyReLU, noGrad, normalInit, rand, ReLU, Sequential, tidy, Tanh, ZeroPad2d } from '../../src/engine/index.js';
import { encodeFrozenGraph, encodeOnnx } from '../../src/export/index.js';
import { OnnxTranslator } from '../../src/predict/model_runners/onnx_runner.js';
import { PbTranslator } from '../../src/predict/model_runners/pb_runner.js';
import { assertClose } from '../helpers/assert_close.js';
import { loadWithTfjs, runWithTfjs } from './tfjs_graph_model.js';

function network(): Sequential {
  const net = new Sequential(
    new ZeroPad2d(2),
    new Conv2d(2, 6, 3, { stride: 2, bias: false }),
    new InstanceNorm2d(6, { affine: true, eps: 1e-3 }),
    new LeakyReLU(0.2),
    new ConvTranspose2d(6, 4, 3, { stride: 2 }),
    new ReLU(),
    new ConvTranspose2d(4, 3, 4, { stride: 2, outputPadding: 1, bias: false }),
    new Conv2d(3, 2, 1, { padding: 1 }),
    new Tanh(),
  );
  net.namedParameters().forEach(([, p], i) => normalInit(p, 0.1, 0.3, 77 + i));
  return net.eval();
}

describe('layer coverage', () => {
  test('ZeroPad2d, LeakyReLU, affine InstanceNorm2d and transposed convs without padding export exactly', async () => {
    const net = network();
    const onnx = await OnnxTranslator.fromBytes(encodeOnnx(net), 'coverage.onnx');
    const pbBytes = encodeFrozenGraph(net);
    const pb = PbTranslator.fromBytes(pbBytes, 'coverage.pb');
    const tfjs = await loadWithTfjs(pbBytes);
    for (const [h, w] of [
      [9, 14],
      [16, 16],
    ]) {
      const shape: [number, number, number, number] = [2, 2, h, w];
      const { input, expected, inputNhwc, expectedNhwc, outShape } = tidy(() =>
        noGrad(() => {
          const x = rand(shape, { seed: h + w }).mul(2).sub(1);
          const y = net.forward(x);
          const nhwc = (t: typeof x): Float32Array => t.permute([0, 2, 3, 1]).contiguous().toFloat32();
          return { input: x.toFloat32(), expected: y.toFloat32(), inputNhwc: nhwc(x), expectedNhwc: nhwc(y), outShape: y.shape };
        }),
      );
      const fromOnnx = await onnx.run(input, shape);
      assert.deepEqual(fromOnnx.shape, outShape);
      assertClose(fromOnnx.data, expected, `${h}x${w} onnxruntime`, 0, 1e-4);
      const fromPb = await pb.run(input, shape);
      assert.deepEqual(fromPb.shape, outShape);
      assertClose(fromPb.data, expected, `${h}x${w} .pb interpreter`, 0, 1e-4);
      const fromTfjs = runWithTfjs(tfjs, inputNhwc, [2, h, w, 2]);
      assertClose(fromTfjs.data, expectedNhwc, `${h}x${w} tfjs`, 0, 1e-4);
    }
    onnx.dispose();
    pb.dispose();
    tfjs.dispose();
    net.dispose();
  });
});
