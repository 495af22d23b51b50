// End to end on the committed fixtures: train writes every folder and file of the spec's output tree,
// the manifest has one valid line per usable source image, the report lists the broken files, and
// predict from the saved model reproduces Data/.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import { resolveParameters } from '../../src/config/resolve.js';
import { scanInput } from '../../src/data/scan.js';
import { validateFiles } from '../../src/data/validate.js';
import { predict } from '../../src/predict/predict.js';
import type { RunEvent } from '../../src/train/events.js';
import { train } from '../../src/train/trainer.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';

async function pixels(path: string): Promise<Buffer> {
  return (await sharp(path).raw().toBuffer({ resolveWithObject: true })).data;
}

describe('train on a single-level source folder', () => {
  const out = join(tempDir(), 'run');
  const events: RunEvent[] = [];
  let usable: string[] = [];
  let rejected: string[] = [];
  before(async () => {
    const v = await validateFiles((await scanInput(fixtures.flat)).files);
    usable = v.usable.map((f) => f.path);
    rejected = v.rejected.map((r) => r.path);
    const result = await train({ source: fixtures.flat, target: fixtures.target, out, parameters: resolveParameters(tinyParameters), onEvent: (e) => events.push(e) });
    assert.equal(result.completed, true);
  });

  test('writes model/, samples/, Data/, the manifest, params, report, log and checkpoint', () => {
    for (const f of ['model/CycleGan_epoch_1.safetensors', 'model/CycleGan_epoch_2.safetensors', 'checkpoints/latest.safetensors', 'params.json', 'validation_report.json', 'logs/train.jsonl', 'output_0.manifest']) {
      assert.ok(existsSync(join(out, f)), `missing ${f}`);
    }
    const samples = readdirSync(join(out, 'samples')).sort();
    const perEpoch = Math.min(16, usable.length);
    assert.equal(samples.length, 2 * perEpoch);
    assert.ok(samples.includes('0000_0.jpg') && samples.includes(`0001_${perEpoch - 1}.jpg`));
    assert.deepEqual(readdirSync(join(out, 'Data')).sort(), usable.map((_, n) => `CycleGan_0_${n}.jpg`).sort());
  });

  test('the manifest has one valid line per usable source image', () => {
    const lines = readFileSync(join(out, 'output_0.manifest'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, usable.length);
    lines.forEach((line, n) => {
      assert.equal(line.id, `CycleGan_0_${n}`);
      assert.ok(isAbsolute(line.source) && existsSync(line.source), `source ${line.source} must be an existing absolute path`);
      assert.equal(line.usage, 'train');
      assert.equal(line.original, usable[n]);
      assert.equal(line.annotation, undefined, 'a single-level input has no labels');
    });
  });

  test('the validation report lists every broken file with a reason', () => {
    assert.ok(rejected.length >= 3, 'the fixtures hold several broken files');
    const report = JSON.parse(readFileSync(join(out, 'validation_report.json'), 'utf8'));
    const listed = report.domains.source.rejected.map((r: { path: string; reason: string }) => {
      assert.ok(r.reason.length > 0);
      return r.path;
    });
    assert.deepEqual(listed.sort(), [...rejected].sort());
    assert.equal(report.domains.source.usable, usable.length);
  });

  test('logs a JSON line every log_frequency steps with losses, rates and timing', () => {
    const all = readFileSync(join(out, 'logs', 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // Besides steps, the log holds the start, epoch means, saves and the end (run_history.test.ts checks those).
    const lines = all.filter((l) => l.type === 'step');
    assert.equal(lines.length, 2 * usable.length);
    for (const key of ['epoch', 'step', 'losses', 'lrG', 'lrD', 'secondsPerStep', 'imagesPerSecond', 'etaSeconds']) assert.ok(key in lines[0], `log line lacks ${key}`);
    for (const name of ['D_A', 'G_A', 'cycle_A', 'idt_A', 'D_B', 'G_B', 'cycle_B', 'idt_B']) assert.ok(Number.isFinite(lines[0].losses[name]));
    assert.ok(events.some((e) => e.type === 'saved') && events.some((e) => e.type === 'done'));
  });

  test('params.json holds the resolved parameters', () => {
    const params = JSON.parse(readFileSync(join(out, 'params.json'), 'utf8'));
    assert.equal(params.parameters.image_height, 32);
    assert.equal(params.parameters.batch_size, 1);
    assert.equal(params.changed_from_default.ngf, 4);
  });

  test('predict from the saved model reproduces Data/ within 1/255', async () => {
    const predicted = join(tempDir(), 'predicted');
    const parameters = resolveParameters({ predict: true, resume: join(out, 'model', 'CycleGan_epoch_2.safetensors'), threads: 1 });
    const result = await predict({ resume: parameters.resume, source: fixtures.flat, out: predicted, parameters });
    assert.equal(result.generated, usable.length);
    for (const name of readdirSync(join(out, 'Data'))) {
      const [a, b] = await Promise.all([pixels(join(out, 'Data', name)), pixels(join(predicted, 'Data', name))]);
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1, `${name} differs at byte ${i}: ${a[i]} vs ${b[i]}`);
    }
  });
});

describe('train on a two-level (class folder) source', () => {
  test('Data/ is named by class index and the manifest carries the class labels', async () => {
    const out = join(tempDir(), 'classes');
    const listing = await scanInput(fixtures.classes);
    const v = await validateFiles(listing.files);
    await train({ source: fixtures.classes, target: fixtures.target, out, parameters: resolveParameters({ ...tinyParameters, max_epoch: 1 }) });
    const lines = readFileSync(join(out, 'output_0.manifest'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, v.usable.length);
    const perClass = new Map<number, number>();
    for (const [i, file] of v.usable.entries()) {
      const n = perClass.get(file.classIndex) ?? 0;
      perClass.set(file.classIndex, n + 1);
      assert.equal(lines[i].id, `CycleGan_${file.classIndex}_${n}`);
      assert.deepEqual(lines[i].annotation, [{ name: file.className, type: 'modelarts/image_classification' }]);
      assert.ok(existsSync(join(out, 'Data', `CycleGan_${file.classIndex}_${n}.jpg`)));
    }
    assert.deepEqual([...new Set(v.usable.map((f) => f.className))], listing.classes);
  });
});

describe('a ModelArts manifest as the source', () => {
  test('its images are translated and its labels carried into the output manifest', async () => {
    const out = join(tempDir(), 'manifest');
    const source = join(fixtures.manifest, 'train.manifest');
    const listing = await scanInput(source);
    await train({ source, target: fixtures.target, out, parameters: resolveParameters({ ...tinyParameters, max_epoch: 1 }) });
    const lines = readFileSync(join(out, 'output_0.manifest'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, listing.files.length);
    assert.deepEqual(lines.map((l) => l.original).sort(), listing.files.map((f) => f.path).sort());
    for (const line of lines) assert.ok(['cat', 'dog'].includes(line.annotation[0].name));
  });
});
