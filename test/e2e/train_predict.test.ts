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
import { loadImage } from '../../src/data/decode.js';
import { tensor, tidy } from '../../src/engine/index.js';
import { loadGenerator } from '../../src/io/checkpoint.js';
import { predict } from '../../src/predict/predict.js';
import type { RunEvent } from '../../src/io/events.js';
import { train } from '../../src/train/trainer.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';
import { spawnSync } from 'node:child_process';

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
    assert.deepEqual(readdirSync(join(out, 'samples')).sort(), ['0000.jpg', '0001.jpg'], 'one sample sheet per epoch');
    assert.deepEqual(readdirSync(join(out, 'Data')).sort(), usable.map((_, n) => `CycleGan_0_${n}.jpg`).sort());
  });

  test('the sample sheet shows real_A | fake_B | rec_A | idt_B under their names, from the final generators', async () => {
    // Geometry of src/train/sample_sheet.ts: 32 px images enlarged 4x to 128 px cells, 18 px captions, 4 px gaps.
    const cell = (row: number, column: number) => ({ top: 4 + row * 150 + 18, left: 4 + column * 132 });
    const sheet = await sharp(join(out, 'samples', '0001.jpg')).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([sheet.info.width, sheet.info.height], [4 * 132 + 4, 8 * 150 + 4], 'four columns, a row for X and one for Y per sample pair, four pairs');
    const sampled = (row: number, column: number) => {
      const { top, left } = cell(row, column);
      const chw = new Float32Array(3 * 32 * 32);
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          for (let c = 0; c < 3; c++) chw[c * 1024 + y * 32 + x] = sheet.data[((top + y * 4 + 2) * sheet.info.width + left + x * 4 + 2) * 3 + c] / 127.5 - 1;
      return chw;
    };
    const meanAbs = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
    const realA = await loadImage(usable[0], { channels: 3, height: 32, width: 32 });
    const gA = loadGenerator(join(out, 'checkpoints', 'latest.safetensors'), 'AtoB').net;
    const gB = loadGenerator(join(out, 'checkpoints', 'latest.safetensors'), 'BtoA').net;
    const run = (net: typeof gA, x: Float32Array) => tidy(() => net.forward(tensor(x, [1, 3, 32, 32])).toFloat32());
    try {
      const fakeB = run(gA, realA);
      const expected = { real_A: realA, fake_B: fakeB, rec_A: run(gB, fakeB), idt_B: run(gB, realA) };
      Object.values(expected).forEach((want, column) => assert.ok(meanAbs(sampled(0, column), want) < 0.03, `column ${column}: ${meanAbs(sampled(0, column), want)}`));
      assert.ok(meanAbs(sampled(0, 3), run(gA, realA)) > 0.03, 'idt_B is G_B(real_A), not G_A(real_A)');
    } finally {
      gA.dispose();
      gB.dispose();
    }
    // The captions carry text: dark pixels in the white strip above each cell.
    const strip = cell(0, 0).top - 18;
    let dark = 0;
    for (let y = strip; y < strip + 18; y++) for (let x = 4; x < 132; x++) if (sheet.data[(y * sheet.info.width + x) * 3] < 100) dark++;
    assert.ok(dark > 20, `caption pixels: ${dark}`);
  });

  test('cyclegan validate writes the report of the run for the same folder, in the same schema', () => {
    const file = join(tempDir(), 'report.json');
    const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    const r = spawnSync(process.execPath, [cli, 'validate', fixtures.flat, '--out', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ofRun = JSON.parse(readFileSync(join(out, 'validation_report.json'), 'utf8'));
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { domains: { input: ofRun.domains.source } });
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
