// Every model file says what it is (direction, channels, trained size), so predict treats .safetensors,
// .onnx and .pb alike: the same default output size, the same clear refusal of the wrong channel count,
// --direction from a checkpoint, and a manifest that names the model it came from.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { resolveParameters } from '../../src/config/resolve.js';
import { onnxModelType } from '../../src/io/onnx_proto.js';
import { graphDefType } from '../../src/io/tf_proto.js';
import { train } from '../../src/train/trainer.js';
import { orientedSize } from '../../src/data/native_size.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';
import { loadWithTfjs, runWithTfjs } from '../export/tfjs_graph_model.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const cyclegan = (...args: string[]) => spawnSync(process.execPath, [cli, ...args, ...(args[0] === 'export' ? [] : ['--threads', '1'])], { encoding: 'utf8' });
const manifestOf = (out: string) =>
  readFileSync(join(out, 'output_0.manifest'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('model files carry their metadata', () => {
  const run = join(tempDir(), 'run');
  const model = (ext: string) => join(run, 'model', `CycleGan_epoch_1.${ext}`);
  before(async () => {
    await train({ source: fixtures.flat, target: fixtures.target, out: run, parameters: resolveParameters({ ...tinyParameters, max_epoch: 1 }) });
  });

  test('the .onnx holds it in metadata_props and the .pb in a Const node that TensorFlow.js loads and ignores', async () => {
    const expected = { format: 'cyclegan-model/1', direction: 'AtoB', channels: 3, image_height: 32, image_width: 32, epoch: 1 };
    const onnx = onnxModelType().toObject(onnxModelType().decode(readFileSync(model('onnx')))) as { metadataProps: { key: string; value: string }[] };
    const fromOnnx = JSON.parse(onnx.metadataProps.find((p) => p.key === 'cyclegan')!.value);
    assert.deepEqual({ ...fromOnnx, producer: undefined }, { ...expected, producer: undefined });
    assert.match(fromOnnx.producer, /^cyclegan \d+\.\d+\.\d+/);
    const pb = graphDefType().toObject(graphDefType().decode(readFileSync(model('pb')))) as { node: { name: string; op: string; attr: { value: { tensor: { stringVal: Uint8Array[] } } } }[] };
    const node = pb.node.find((n) => n.name === 'cyclegan_metadata')!;
    assert.equal(node.op, 'Const');
    assert.deepEqual(JSON.parse(Buffer.from(node.attr.value.tensor.stringVal[0]).toString()), fromOnnx);
    // Nothing consumes the node: an executor that is not ours still runs the graph as before.
    const tfjs = await loadWithTfjs(readFileSync(model('pb')));
    assert.deepEqual(runWithTfjs(tfjs, new Float32Array(2 * 32 * 32 * 3).fill(0.1), [2, 32, 32, 3]).shape, [2, 32, 32, 3]);
  });

  test('predict from each format translates at the trained size by default, and the manifest names the model', async () => {
    for (const ext of ['safetensors', 'onnx', 'pb']) {
      const out = join(tempDir(), ext);
      const r = cyclegan('predict', '--resume', model(ext), '--source', fixtures.flat, '--out', out);
      assert.equal(r.status, 0, r.stderr);
      const files = readdirSync(join(out, 'Data'));
      assert.ok(files.length > 0);
      for (const f of files) {
        const { width, height } = await sharp(join(out, 'Data', f)).metadata();
        assert.deepEqual([width, height], [32, 32], `${ext}: ${f}`);
      }
      const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
      for (const line of manifestOf(out)) {
        assert.deepEqual(line.producer, { model: model(ext), format: ext === 'safetensors' ? 'checkpoint' : ext, direction: 'AtoB', epoch: 1, tool: `cyclegan ${version}` });
      }
    }
  });

  test('a channel count the model was not trained for is a clear error for every format', () => {
    for (const ext of ['safetensors', 'onnx', 'pb']) {
      const r = cyclegan('predict', '--resume', model(ext), '--source', fixtures.flat, '--out', join(tempDir(), ext), '--image_channel', '1');
      assert.equal(r.status, 2, `${ext}: ${r.stderr}`);
      assert.equal(
        r.stderr.trim(),
        `cyclegan: ${model(ext)} was trained on 3-channel images, but image_channel is 1. Leave image_channel out (every image is converted to the model's 3 channels) or use a model trained with image_channel 1.`,
      );
    }
  });

  test('--direction BtoA translates with G_B of a checkpoint, like the exported BtoA model', async () => {
    const checkpoint = join(run, 'checkpoints', 'latest.safetensors');
    const exported = join(tempDir(), 'g_b.onnx');
    assert.equal(cyclegan('export', checkpoint, '--format', 'onnx', '--direction', 'BtoA', '--out', exported).status, 0);
    const [fromCheckpoint, fromOnnx, forward] = [tempDir(), tempDir(), tempDir()];
    assert.equal(cyclegan('predict', '--resume', checkpoint, '--direction', 'BtoA', '--source', fixtures.target, '--out', fromCheckpoint).status, 0);
    assert.equal(cyclegan('predict', '--resume', exported, '--source', fixtures.target, '--out', fromOnnx).status, 0);
    assert.equal(cyclegan('predict', '--resume', checkpoint, '--source', fixtures.target, '--out', forward).status, 0);
    const pixels = async (dir: string, f: string) => (await sharp(join(dir, 'Data', f)).raw().toBuffer()).reduce((s, v) => s + v, 0);
    for (const f of readdirSync(join(fromCheckpoint, 'Data'))) {
      const [a, b, c] = await Promise.all([pixels(fromCheckpoint, f), pixels(fromOnnx, f), pixels(forward, f)]);
      assert.ok(Math.abs(a - b) / a < 0.01, `${f}: checkpoint BtoA ${a}, exported BtoA ${b}`);
      assert.ok(Math.abs(a - c) / a > 0.01, `${f}: BtoA and AtoB give the same image`);
    }
    assert.equal(manifestOf(fromCheckpoint)[0].producer.direction, 'BtoA');
    const wrong = cyclegan('predict', '--resume', model('onnx'), '--direction', 'BtoA', '--source', fixtures.flat, '--out', tempDir());
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, new RegExp(`^cyclegan: ${model('onnx')} holds the AtoB generator only, not BtoA\\. Export BtoA from the run's checkpoint`));
  });

  test('run takes --keep_size', async () => {
    const config = join(tempDir(), 'predict.json');
    writeFileSync(config, JSON.stringify({ predict: true, resume: model('onnx') }));
    const out = tempDir();
    const r = cyclegan('run', '--config', config, '--source', fixtures.flat, '--out', out, '--keep_size');
    assert.equal(r.status, 0, r.stderr);
    const lines = manifestOf(out);
    assert.ok(lines.length > 0);
    let other = 0;
    for (const line of lines) {
      const size = await orientedSize(line.original);
      assert.deepEqual(await orientedSize(line.source), size, line.original);
      if (size.width !== 32 || size.height !== 32) other++;
    }
    assert.ok(other > 0, 'some fixtures are not 32x32, so the size was kept, not defaulted');
  });

  test('--resume naming a folder asks for a model file and names those the run holds', () => {
    const r = cyclegan('predict', '--resume', run, '--source', fixtures.flat, '--out', tempDir());
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`^cyclegan: ${run} is a folder; a model file is needed\\. This run folder holds, for example: ${join(run, 'checkpoints', 'latest.safetensors')}, ${join(run, 'model', 'CycleGan_epoch_1')}\\.`));
  });

  test('export from an .onnx or a .pb says it needs a checkpoint', () => {
    for (const [ext, kind] of [
      ['onnx', 'an ONNX model'],
      ['pb', 'a frozen TensorFlow graph'],
    ]) {
      const r = cyclegan('export', model(ext), '--format', 'pb', '--out', join(tempDir(), 'x.pb'));
      assert.equal(r.status, 2);
      assert.equal(r.stderr.trim(), `cyclegan: ${model(ext)} is ${kind}; export needs a checkpoint written by train (OUT/checkpoints/latest.safetensors, or OUT/model/CycleGan_epoch_N.safetensors for AtoB).`);
    }
  });
});
