// Model files are recognised by content, and every file that cannot be used (truncated, empty,
// missing, foreign, or the wrong kind for a runner) gives an error that names the file and says
// what to do. Export refuses layers it cannot translate and formats it does not write.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Conv2d, Module, Sequential, type Tensor } from '../../src/engine/index.js';
import { encodeFrozenGraph, encodeOnnx, exportGenerator, ExportError, type ExportFormat } from '../../src/export/index.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { writeFileAtomic } from '../../src/io/atomic_write.js';
import { ResnetGenerator } from '../../src/model/resnet_generator.js';
import { detectModelFormat, loadModelRunner } from '../../src/predict/model_runners/index.js';
import { OnnxTranslator } from '../../src/predict/model_runners/onnx_runner.js';
import { PbTranslator } from '../../src/predict/model_runners/pb_runner.js';
import { tempDir } from '../helpers/reference.js';

const EXPECTED = 'Expected an ONNX model (.onnx), a frozen TensorFlow graph (.pb), a cyclegan checkpoint (safetensors) or a PyTorch state_dict (.pth)';

describe('model files', () => {
  let dir: string;
  let generator: ResnetGenerator;
  const at = (name: string): string => join(dir, name);

  before(() => {
    dir = tempDir('cyclegan-model-files-');
    generator = new ResnetGenerator({ channels: 3, ngf: 4, nBlocks: 1 });
    exportGenerator(generator, 'onnx', at('g.onnx'));
    exportGenerator(generator, 'pb', at('g.pb'));
    writeSafetensors(at('g.safetensors'), new Map([['w', { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) }]]));
    const cut = (from: string, to: string, length: number): void => writeFileSync(at(to), readFileSync(at(from)).subarray(0, length));
    cut('g.onnx', 'half.onnx', readFileSync(at('g.onnx')).length >> 1);
    cut('g.pb', 'half.pb', readFileSync(at('g.pb')).length >> 1);
    cut('g.safetensors', 'short.safetensors', 20);
    writeFileSync(at('picture.png'), Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'));
    writeFileSync(at('notes.txt'), 'hello, this is not a model\n');
    writeFileSync(at('empty.onnx'), '');
  });

  after(() => {
    generator.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('export leaves only the finished file behind (atomic writes)', () => {
    const names = readdirSync(dir);
    assert.ok(names.every((n) => !n.endsWith('.tmp')), `temporary files left: ${names}`);
    assert.deepEqual(readFileSync(at('g.onnx')), Buffer.from(encodeOnnx(generator)));
    assert.deepEqual(readFileSync(at('g.pb')), Buffer.from(encodeFrozenGraph(generator)));
  });

  test('a write that fails half way leaves the previous file whole and no temporary file', () => {
    const before = readFileSync(at('g.onnx'));
    // The first chunk reaches the disk, the second makes the write fail (as a full disk would).
    const failing = [Buffer.from('half of a model'), { byteLength: 8 } as unknown as Uint8Array];
    assert.throws(() => writeFileAtomic(at('g.onnx'), failing));
    assert.deepEqual(readFileSync(at('g.onnx')), before);
    const names = readdirSync(dir);
    assert.ok(names.every((n) => !n.endsWith('.tmp')), `temporary files left: ${names}`);
  });

  test('the format comes from the content, not the extension', () => {
    assert.equal(detectModelFormat(at('g.onnx')), 'onnx');
    assert.equal(detectModelFormat(at('g.pb')), 'pb');
    assert.equal(detectModelFormat(at('g.safetensors')), 'checkpoint');
  });

  test('truncated files are called truncated, with the file named', () => {
    const onnxBytes = readFileSync(at('half.onnx')).length;
    assert.throws(() => detectModelFormat(at('half.onnx')), {
      name: 'CheckpointError',
      message: `${at('half.onnx')} looks like an ONNX model but ends in the middle of a field (${onnxBytes} bytes): it is truncated. Copy or export it again.`,
    });
    const pbBytes = readFileSync(at('half.pb')).length;
    assert.throws(() => detectModelFormat(at('half.pb')), {
      name: 'CheckpointError',
      message: `${at('half.pb')} looks like a frozen TensorFlow graph but ends in the middle of a field (${pbBytes} bytes): it is truncated. Copy or export it again.`,
    });
    assert.throws(() => detectModelFormat(at('short.safetensors')), {
      name: 'CheckpointError',
      message: new RegExp(`^${at('short.safetensors')} looks like a safetensors checkpoint, but its \\d+-byte header runs past the end of the 20-byte file: it is truncated\\.`),
    });
  });

  test('foreign, empty and missing files', () => {
    assert.throws(() => detectModelFormat(at('picture.png')), {
      name: 'CheckpointError',
      message: `${at('picture.png')} is not a model cyclegan can read (it starts with bytes 89 50 4e 47 0d 0a 1a 0a). ${EXPECTED}.`,
    });
    assert.throws(() => detectModelFormat(at('notes.txt')), { name: 'CheckpointError', message: new RegExp(`^${at('notes.txt')} is not a model cyclegan can read`) });
    assert.throws(() => detectModelFormat(at('empty.onnx')), { name: 'CheckpointError', message: `${at('empty.onnx')} is empty. ${EXPECTED}; export or save it again.` });
    assert.throws(() => detectModelFormat(at('missing.onnx')), { name: 'CheckpointError', message: `cannot read ${at('missing.onnx')}: ENOENT. Check the path.` });
  });

  test('the runners refuse truncated files and files of the other kind', async () => {
    await assert.rejects(OnnxTranslator.load(at('half.onnx')), { name: 'CheckpointError', message: /half\.onnx looks like an ONNX model but ends in the middle of a field/ });
    assert.throws(() => PbTranslator.load(at('half.pb')), { name: 'CheckpointError', message: /half\.pb looks like a frozen TensorFlow graph but ends in the middle of a field/ });
    await assert.rejects(OnnxTranslator.load(at('g.pb')), { name: 'CheckpointError', message: `${at('g.pb')} is a frozen TensorFlow graph, not an ONNX model; load it with the pb runner.` });
    assert.throws(() => PbTranslator.load(at('g.onnx')), { name: 'CheckpointError', message: `${at('g.onnx')} is an ONNX model, not a frozen TensorFlow graph; load it with the onnx runner.` });
    await assert.rejects(loadModelRunner(at('g.safetensors')), { name: 'CheckpointError', message: /g\.safetensors is a cyclegan checkpoint, not an exported model/ });
  });

  test('loadModelRunner picks the runner from the content', async () => {
    for (const [name, format] of [
      ['g.onnx', 'onnx'],
      ['g.pb', 'pb'],
    ]) {
      const runner = await loadModelRunner(at(name));
      assert.equal(runner.format, format);
      const out = await runner.run(new Float32Array(3 * 8 * 8).map((_, i) => Math.sin(i)), [1, 3, 8, 8]);
      assert.deepEqual(out.shape, [1, 3, 8, 8]);
      runner.dispose();
    }
  });

  test('a batch that does not fit its shape is refused at the boundary', async () => {
    const runner = PbTranslator.load(at('g.pb'));
    await assert.rejects(runner.run(new Float32Array(10), [1, 3, 8, 8]), {
      name: 'ConfigError',
      message: `Expected 192 values for a [1, 3, 8, 8] batch for ${at('g.pb')} but received 10`,
    });
    runner.dispose();
  });
});

class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

describe('export errors', () => {
  test('a layer without a translation is named, with the fix', () => {
    const net = new Sequential(new Conv2d(3, 4, 3), new Sigmoid());
    assert.throws(() => encodeOnnx(net), (error: Error) => {
      assert.ok(error instanceof ExportError);
      assert.equal(
        error.message,
        "cannot export layer '1' (Sigmoid): it has no ONNX or TensorFlow translation. Supported layers: modules that describe their structure() (Sequential, the generators and their blocks), Conv2d, ConvTranspose2d, InstanceNorm2d, BatchNorm2d, ReflectionPad2d, ZeroPad2d, ReLU, LeakyReLU, Tanh, Dropout and Identity; give a composite module a structure(), or add a leaf case to src/export/layer_graph.ts and both writers.",
      );
      return true;
    });
    assert.throws(() => encodeFrozenGraph(net), ExportError);
    net.dispose();
  });

  test('an unknown format names the accepted ones', () => {
    const net = new Sequential(new Conv2d(3, 3, 1));
    assert.throws(() => exportGenerator(net, 'tflite' as ExportFormat, 'never-written.model'), {
      name: 'ConfigError',
      message: `Expected 'onnx' or 'pb' for export format but received "tflite" of type string`,
    });
    net.dispose();
  });
});
