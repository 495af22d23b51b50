// An exported generator must compute what the engine computes: random weights (biases included, so
// every BiasAdd matters), grayscale and RGB, two image sizes, a batch of two. The .onnx runs on
// onnxruntime; the .pb runs on our interpreter and on TensorFlow.js's graph executor, which is not
// ours and so checks that the graph means what we think it means. All within 1e-4 of the engine.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { noGrad, normalInit, rand, tidy } from '../../src/engine/index.js';
import { exportGenerator } from '../../src/export/index.js';
import { onnxModelType } from '../../src/io/onnx_proto.js';
import { graphDefType } from '../../src/io/tf_proto.js';
import { ResnetGenerator } from '../../src/model/resnet_generator.js';
import { detectModelFormat } from '../../src/io/model_format.js';
import { OnnxTranslator } from '../../src/predict/model_runners/onnx_runner.js';
import { PbTranslator } from '../../src/predict/model_runners/pb_runner.js';
import { assertClose } from '../helpers/assert_close.js';
import { tempDir } from '../helpers/reference.js';
import { seeded } from './graph_def_builder.js';
import { loadWithTfjs, runWithTfjs } from './tfjs_graph_model.js';

const SIZES: [number, number][] = [
  [32, 32],
  [48, 64],
];
const TOLERANCE = 1e-4;

function randomGenerator(channels: number): ResnetGenerator {
  const g = new ResnetGenerator({ channels, ngf: 8, nBlocks: 2 }).eval();
  g.namedParameters().forEach(([, p], i) => normalInit(p, 0, 0.1, 1000 * channels + i));
  return g;
}

for (const channels of [3, 1]) {
  describe(`an exported ${channels}-channel generator (ngf 8, 2 blocks)`, () => {
    let generator: ResnetGenerator;
    let dir: string;
    let onnx: OnnxTranslator;
    let pb: PbTranslator;
    let tfjs: GraphModel;

    before(async () => {
      generator = randomGenerator(channels);
      dir = tempDir('cyclegan-export-');
      exportGenerator(generator, 'onnx', join(dir, 'generator.onnx'));
      exportGenerator(generator, 'pb', join(dir, 'generator.pb'));
      onnx = await OnnxTranslator.load(join(dir, 'generator.onnx'));
      pb = PbTranslator.load(join(dir, 'generator.pb'));
      tfjs = await loadWithTfjs(readFileSync(join(dir, 'generator.pb')));
    });

    after(() => {
      onnx.dispose();
      pb.dispose();
      tfjs.dispose();
      generator.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the files are told apart by content', () => {
      assert.equal(detectModelFormat(join(dir, 'generator.onnx')), 'onnx');
      assert.equal(detectModelFormat(join(dir, 'generator.pb')), 'pb');
    });

    test('the ONNX model is opset 13, IR 7, NCHW with symbolic N, H, W and standard ops', () => {
      const type = onnxModelType();
      const model = type.toObject(type.decode(readFileSync(join(dir, 'generator.onnx'))), { longs: Number }) as {
        irVersion: number;
        opsetImport: { version: number }[];
        graph: { node: { opType: string }[]; input: { name: string; type: { tensorType: { shape: { dim: { dimValue?: number; dimParam?: string }[] } } } }[]; output: { name: string }[] };
      };
      assert.equal(model.irVersion, 7);
      assert.deepEqual(model.opsetImport.map((o) => o.version), [13]);
      const [input] = model.graph.input;
      assert.equal(input.name, 'input');
      assert.deepEqual(input.type.tensorType.shape.dim, [{ dimParam: 'N' }, { dimValue: channels }, { dimParam: 'H' }, { dimParam: 'W' }]);
      assert.deepEqual(model.graph.output.map((o) => o.name), ['output']);
      assert.deepEqual([...new Set(model.graph.node.map((n) => n.opType))].sort(), ['Add', 'Conv', 'ConvTranspose', 'InstanceNormalization', 'Pad', 'Relu', 'Tanh']);
    });

    test('the frozen graph feeds Placeholder "input" [-1, -1, -1, C] and ends in Identity "output", with standard ops', () => {
      const type = graphDefType();
      const graph = type.toObject(type.decode(readFileSync(join(dir, 'generator.pb'))), { longs: Number }) as {
        node: { name: string; op: string; attr: Record<string, { shape?: { dim: { size: number }[] } }> }[];
      };
      const input = graph.node.find((n) => n.name === 'input');
      assert.equal(input?.op, 'Placeholder');
      assert.deepEqual(input.attr.shape.shape?.dim.map((d) => d.size), [-1, -1, -1, channels]);
      assert.equal(graph.node.find((n) => n.name === 'output')?.op, 'Identity');
      const ops = [...new Set(graph.node.map((n) => n.op))].sort();
      const standard = ['Add', 'BiasAdd', 'Const', 'Conv2D', 'Conv2DBackpropInput', 'Identity', 'Mean', 'MirrorPad', 'Mul', 'Pad', 'Placeholder', 'Relu', 'Rsqrt', 'Shape', 'SquaredDifference', 'StridedSlice', 'Sub', 'Tanh'];
      assert.deepEqual(ops, standard);
    });

    for (const [h, w] of SIZES) {
      test(`${h}x${w}: onnxruntime, our .pb interpreter and tfjs match the engine within ${TOLERANCE}`, async () => {
        const shape: [number, number, number, number] = [2, channels, h, w];
        const { input, expected, inputNhwc, expectedNhwc } = tidy(() =>
          noGrad(() => {
            const x = rand(shape, { seed: h * w + channels }).mul(2).sub(1);
            const y = generator.forward(x);
            const nhwc = (t: typeof x): Float32Array => t.permute([0, 2, 3, 1]).contiguous().toFloat32();
            return { input: x.toFloat32(), expected: y.toFloat32(), inputNhwc: nhwc(x), expectedNhwc: nhwc(y) };
          }),
        );

        const fromOnnx = await onnx.run(input, shape);
        assert.deepEqual(fromOnnx.shape, shape);
        assertClose(fromOnnx.data, expected, 'onnxruntime', 0, TOLERANCE);

        const fromPb = await pb.run(input, shape);
        assert.deepEqual(fromPb.shape, shape);
        assertClose(fromPb.data, expected, '.pb interpreter', 0, TOLERANCE);

        const fromTfjs = runWithTfjs(tfjs, inputNhwc, [2, h, w, channels]);
        assert.deepEqual(fromTfjs.shape, [2, h, w, channels]);
        assertClose(fromTfjs.data, expectedNhwc, 'tfjs graph model', 0, TOLERANCE);
      });
    }

    test('translate() is the Translator interface: values only, same shape', async () => {
      // Random, not constant: instance norm of a constant image divides rounding noise by sqrt(eps).
      const input = seeded(channels)(channels * 32 * 32);
      const shape: [number, number, number, number] = [1, channels, 32, 32];
      assertClose(await pb.translate(input, shape), await onnx.translate(input, shape), 'pb vs onnx', 0, TOLERANCE);
    });
  });
}
