// What a run reports agrees with what it did (faults 10 and 11 of issue 9): scan warnings reach the
// terminal and the report; with validation off, files that fail when used are counted as rejected, so
// the report, the terminal and Data/ agree; counts take the right plural.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { resolveParameters } from '../../src/config/resolve.js';
import { createRenderer } from '../../src/cli/render.js';
import { train } from '../../src/train/trainer.js';
import { validate } from '../../src/data/validate_input.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';
import { writeImageFolder } from '../helpers/cli_run.js';

/** A renderer writing plain lines into a string. */
function textRenderer(): { render: ReturnType<typeof createRenderer>; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  return { render: createRenderer(stream, false), text: () => text };
}

test('a folder with 2 loose images and an 8-image subfolder warns on the terminal and in the report', async () => {
  const dir = join(tempDir(), 'mixed');
  await writeImageFolder(join(dir, 'more'), 8);
  cpSync(join(dir, 'more', 'img_000.png'), join(dir, 'a.png'));
  cpSync(join(dir, 'more', 'img_001.png'), join(dir, 'b.png'));
  const out = join(tempDir(), 'out');
  const { render, text } = textRenderer();
  await train({ source: dir, target: fixtures.target, out, parameters: resolveParameters({ ...tinyParameters, max_epoch: 1 }), onEvent: render });
  const warning = `Folder ${dir} holds both images and subfolders; using the 2 images directly inside it as one set and ignoring the subfolders more. To use the subfolders as classes, move the loose images into them`;
  assert.ok(text().includes(`warning: ${warning}\n`), text());
  const report = JSON.parse(readFileSync(join(out, 'validation_report.json'), 'utf8'));
  assert.deepEqual(report.domains.source.warnings, [warning]);
  assert.deepEqual(report.domains.target.warnings, []);
});

test('cyclegan validate also shows the scan warning and writes it into its report', async () => {
  const dir = join(tempDir(), 'mixed-validate');
  await writeImageFolder(join(dir, 'more'), 3);
  cpSync(join(dir, 'more', 'img_000.png'), join(dir, 'a.png'));
  const { render, text } = textRenderer();
  const { report } = await validate({ input: dir, onEvent: render });
  const warning = `Folder ${dir} holds both images and subfolders; using the 1 image directly inside it as one set and ignoring the subfolders more. To use the subfolders as classes, move the loose images into them`;
  assert.ok(text().includes(`warning: ${warning}\n`), text());
  assert.deepEqual(JSON.parse(report).domains.input.warnings, [warning]);
});

test('with validation off, the report, the terminal and Data/ count the same images', async () => {
  const out = join(tempDir(), 'counts');
  const { render, text } = textRenderer();
  const result = await train({ source: fixtures.flat, target: fixtures.target, out, parameters: resolveParameters({ ...tinyParameters, max_epoch: 1, do_validation: false }), onEvent: render });
  const written = readdirSync(join(out, 'Data')).length;
  const manifestLines = readFileSync(join(out, 'output_0.manifest'), 'utf8').trim().split('\n').length;
  const source = JSON.parse(readFileSync(join(out, 'validation_report.json'), 'utf8')).domains.source;
  assert.ok(written > 0 && written < source.total, `${written} of ${source.total} written: the fixtures hold broken files`);
  assert.deepEqual([source.usable, manifestLines, result.generated], [written, written, written]);
  assert.equal(source.rejected_count, source.total - written);
  assert.ok(source.rejected.every((r: { code: string }) => r.code === 'failed_in_use'));
  assert.match(text(), new RegExp(`translated ${written} images \\(${source.total - written} skipped\\)\\n`));
  assert.match(text(), new RegExp(`: ${written} images in ${out}/Data`));
});

test('counts of one take the singular', () => {
  const { render, text } = textRenderer();
  render({ type: 'start', startEpoch: 1, startStep: 0, globalStep: 0, maxEpoch: 1, stepsPerEpoch: 1, resumed: false });
  render({ type: 'validation', domain: 'source', total: 1, usable: 1, rejected: [] });
  render({ type: 'generate', done: 1, total: 1, skipped: 0, etaSeconds: 0 });
  render({ type: 'done', outDir: '/o', generated: 1, seconds: 1 });
  const lines = text()
    .trim()
    .split('\n')
    .map((l) => l.replace(/^\S+Z /, '')); // plain lines start with a timestamp
  assert.deepEqual(lines, ['training from epoch 1 of 1, 1 step per epoch', 'validated source: 1 of 1 file usable', 'translated 1 image', 'done in 1s: 1 image in /o/Data, manifest /o/output_0.manifest']);
});
