// Bad input never crashes a run and never destroys earlier output: a domain with nothing usable is a
// clear error before training; a bad model leaves the output folder untouched; the CLI rejects bad
// parameters before any work, with the message and exit code 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveParameters } from '../../src/config/resolve.js';
import { scanInput } from '../../src/data/scan.js';
import { CheckpointError, DatasetError } from '../../src/errors.js';
import { predict } from '../../src/predict/predict.js';
import { train } from '../../src/train/trainer.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

test('a source folder with no usable image is an error before training, naming the folder', async () => {
  const dir = join(tempDir(), 'broken');
  mkdirSync(dir);
  for (const f of readdirSync(fixtures.flat).filter((n) => n.startsWith('broken_'))) copyFileSync(join(fixtures.flat, f), join(dir, f));
  const out = join(tempDir(), 'out');
  await assert.rejects(
    train({ source: dir, target: fixtures.target, out, parameters: resolveParameters(tinyParameters) }),
    (e: unknown) => e instanceof DatasetError && e.message.startsWith(`the source domain (${dir}) has no usable image:`) && /validation_report\.json/.test(e.message),
  );
  assert.ok(!existsSync(join(out, 'checkpoints')), 'nothing was trained');
});

test('with do_validation false, broken files are skipped with a warning when used, and the run completes', async () => {
  const out = join(tempDir(), 'unvalidated');
  const warnings: string[] = [];
  const result = await train({
    source: fixtures.flat,
    target: fixtures.target,
    out,
    parameters: resolveParameters({ ...tinyParameters, max_epoch: 1, do_validation: false }),
    onEvent: (e) => {
      if (e.type === 'warning') warnings.push(e.message);
    },
  });
  assert.equal(result.completed, true);
  // Undecodable files fail at use; the 4x4 image is only "too small" for validation and is used as it is.
  const undecodable = ['broken_empty.jpg', 'broken_text.png', 'broken_truncated.jpg'];
  for (const name of undecodable) assert.ok(warnings.some((w) => w.startsWith(`skipped ${join(fixtures.flat, name)}:`)), `no warning for ${name}`);
  const listed = (await scanInput(fixtures.flat)).files;
  assert.equal(result.generated, listed.length - undecodable.length);
});

test('a damaged model is a clear error naming the file, and the output folder is left as it was', async () => {
  const dir = tempDir();
  const model = join(dir, 'model.safetensors');
  writeFileSync(model, Buffer.from([1, 2, 3]));
  const out = join(dir, 'out');
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'earlier work');
  const parameters = resolveParameters({ predict: true, resume: model });
  await assert.rejects(predict({ resume: model, source: fixtures.flat, out, parameters }), (e: unknown) => e instanceof CheckpointError && e.message.includes(model));
  assert.deepEqual(readdirSync(out), ['keep.txt']);
});

test('the CLI rejects a bad parameter with its message and exit code 2', () => {
  const r = spawnSync(process.execPath, [cli, 'train', '--source', fixtures.flat, '--target', fixtures.target, '--out', tempDir(), '--image_height', '100'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'cyclegan: Expected a power of 2 from 32 to 8192 for image_height but received 100 of type number');
});

test('the CLI names a missing required flag', () => {
  const r = spawnSync(process.execPath, [cli, 'train', '--source', fixtures.flat, '--out', tempDir()], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), "cyclegan: Missing --target: the folder (or manifest) of target-domain images Y, or --dataroot D with trainA/ and trainB/ (the PyTorch reference's layout). Usage: cyclegan train [--source X] [--target Y] --out OUT [--restart] [--config FILE] [parameters]");
});

test('cyclegan validate prints the report and fails when nothing is usable', () => {
  const ok = spawnSync(process.execPath, [cli, 'validate', fixtures.flat], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  const report = JSON.parse(ok.stdout);
  assert.ok(report.domains.input.usable > 0 && report.domains.input.rejected.length >= 3);
});
