// The exported .pb and .onnx written at each save translate like the engine: predict from either
// reproduces Data/; --keep_size restores each image's own size; `cyclegan export` writes the reverse
// generator from a checkpoint; a truncated model fails with its name and leaves OUT untouched.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { resolveParameters } from '../../src/config/resolve.js';
import { loadImage } from '../../src/data/decode.js';
import { CheckpointError } from '../../src/errors.js';
import { detectModelFormat } from '../../src/predict/model_runners/index.js';
import { orientedSize } from '../../src/data/native_size.js';
import * as E from '../../src/engine/index.js';
import { loadGenerator } from '../../src/io/checkpoint.js';
import { loadModel, predict } from '../../src/predict/predict.js';
import { assertClose, maxAbsDiff } from '../helpers/assert_close.js';
import { train } from '../../src/train/trainer.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** A single-colour image: instance norm divides its (zero) spread by sqrt(eps), so float rounding noise decides the output. */
async function isUniform(path: string): Promise<boolean> {
  const pixels = await loadImage(path, { channels: 3, height: 32, width: 32 });
  const plane = 32 * 32;
  return pixels.every((v, i) => v === pixels[i - (i % plane)]);
}

async function pixelDifference(a: string, b: string): Promise<{ max: number; mean: number }> {
  const [x, y] = await Promise.all([a, b].map(async (p) => (await sharp(p).raw().toBuffer({ resolveWithObject: true })).data));
  assert.equal(x.length, y.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / x.length };
}

describe('exported models', () => {
  const out = join(tempDir(), 'run');
  before(async () => {
    await train({ source: fixtures.flat, target: fixtures.target, out, parameters: resolveParameters({ ...tinyParameters, max_epoch: 1 }) });
  });

  test('each save writes the generator as .safetensors, .pb and .onnx, recognised by content', () => {
    assert.equal(detectModelFormat(join(out, 'model', 'CycleGan_epoch_1.safetensors')), 'checkpoint');
    assert.equal(detectModelFormat(join(out, 'model', 'CycleGan_epoch_1.pb')), 'pb');
    assert.equal(detectModelFormat(join(out, 'model', 'CycleGan_epoch_1.onnx')), 'onnx');
  });

  for (const ext of ['onnx', 'pb']) {
    test(`predict from the .${ext} reproduces Data/ within 1/255`, async () => {
      const predicted = join(tempDir(), ext);
      const resume = join(out, 'model', `CycleGan_epoch_1.${ext}`);
      const parameters = resolveParameters({ predict: true, resume, image_height: 32, image_width: 32, threads: 1 });
      await predict({ resume, source: fixtures.flat, out: predicted, parameters });
      const names = readdirSync(join(out, 'Data'));
      assert.deepEqual(readdirSync(join(predicted, 'Data')).sort(), names.sort());
      const manifest = readFileSync(join(out, 'output_0.manifest'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      let compared = 0;
      for (const { source, original } of manifest) {
        // Ill-conditioned by construction (see isUniform): any two correct implementations may differ there.
        if (await isUniform(original)) continue;
        const name = source.split('/').pop();
        // The translations agree within 1e-4 (test/export); after rounding to 8 bits a value may land one level
        // apart, and JPEG's requantisation of that 8x8 block can spread it to a few levels at a few pixels.
        const d = await pixelDifference(source, join(predicted, 'Data', name));
        assert.ok(d.mean <= 0.25 && d.max <= 8, `${name}: differs by ${d.max}/255 at most, ${d.mean.toFixed(3)} on average`);
        compared++;
      }
      assert.ok(compared >= manifest.length - 1, 'only the single-colour fixture is left out');
    });
  }

  test('--keep_size translates each image at its own size', async () => {
    const predicted = join(tempDir(), 'keep');
    const resume = join(out, 'model', 'CycleGan_epoch_1.onnx');
    const r = spawnSync(process.execPath, [cli, 'predict', '--resume', resume, '--source', fixtures.flat, '--out', predicted, '--keep_size', '--threads', '1'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const manifest = readFileSync(join(predicted, 'output_0.manifest'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(manifest.length > 0);
    for (const line of manifest) assert.deepEqual(await orientedSize(line.source), await orientedSize(line.original), line.original);
  });

  test('cyclegan export writes the reverse generator from the full checkpoint', async () => {
    const file = join(tempDir(), 'g_b.onnx');
    const r = spawnSync(process.execPath, [cli, 'export', join(out, 'checkpoints', 'latest.safetensors'), '--format', 'onnx', '--direction', 'BtoA', '--out', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(detectModelFormat(file), 'onnx');
    // It is G_B (Y -> X): it translates like G_B of the checkpoint, and not like G_A.
    const x = Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i * 0.37));
    const shape: [number, number, number, number] = [1, 3, 32, 32];
    const exported = await loadModel(file, resolveParameters({ threads: 1 }));
    const ours = await exported.translator.translate(x, shape);
    exported.translator.dispose();
    const engine = (direction: 'AtoB' | 'BtoA') => {
      const { net } = loadGenerator(join(out, 'checkpoints', 'latest.safetensors'), direction);
      const y = E.tidy(() => E.noGrad(() => net.forward(E.tensor(x, shape)).toFloat32()));
      net.dispose();
      return y;
    };
    assertClose(ours, engine('BtoA'), 'exported BtoA against G_B', 1e-4, 1e-4);
    assert.ok(maxAbsDiff(ours, engine('AtoB')) > 1e-3, 'the BtoA export translates like G_A');
    const bad = spawnSync(process.execPath, [cli, 'export', join(out, 'model', 'CycleGan_epoch_1.safetensors'), '--format', 'tflite'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim(), "cyclegan: Expected pb, onnx or pth for --format but received 'tflite'");
  });

  test('a truncated .pb fails with its name and nothing in OUT is overwritten', async () => {
    const dir = tempDir();
    const truncated = join(dir, 'bad.pb');
    const bytes = readFileSync(join(out, 'model', 'CycleGan_epoch_1.pb'));
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const target = join(dir, 'out');
    mkdirSync(target);
    writeFileSync(join(target, 'output_0.manifest'), 'earlier\n');
    const parameters = resolveParameters({ predict: true, resume: truncated });
    await assert.rejects(predict({ resume: truncated, source: fixtures.flat, out: target, parameters }), (e: unknown) => e instanceof CheckpointError && e.message.includes(truncated));
    assert.deepEqual(readdirSync(target), ['output_0.manifest']);
    assert.equal(readFileSync(join(target, 'output_0.manifest'), 'utf8'), 'earlier\n');
    assert.ok(!existsSync(join(target, 'Data')));
  });
});
