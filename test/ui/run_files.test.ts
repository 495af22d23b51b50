// The run folder's files as the dashboard reads them while training writes them: listings filtered to
// what the server may serve, newest model last, and half-written or hostile JSON shown as missing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunFiles, resolveServedFile } from '../../src/ui/run_files.js';
import { tempDir } from '../helpers/reference.js';

describe('readRunFiles', () => {
  test('samples sorted by name, models by epoch number, other names and escaping links left out', () => {
    const base = tempDir();
    const root = join(base, 'run');
    mkdirSync(join(root, 'samples'), { recursive: true });
    mkdirSync(join(root, 'model'));
    for (const n of ['0001_0.jpg', '0000_1.png', '0000_0.jpg', 'notes.txt', '.hidden.jpg', 'sheet.JPEG']) writeFileSync(join(root, 'samples', n), 'x');
    for (const n of ['CycleGan_epoch_10.onnx', 'CycleGan_epoch_9.onnx', 'CycleGan_epoch_10.pb']) writeFileSync(join(root, 'model', n), 'x');
    writeFileSync(join(base, 'outside.jpg'), 'x');
    symlinkSync(join(base, 'outside.jpg'), join(root, 'samples', 'link.jpg'));
    const files = readRunFiles(root);
    assert.deepEqual(files.samples, ['0000_0.jpg', '0000_1.png', '0001_0.jpg', 'sheet.JPEG']);
    assert.deepEqual(files.models, ['CycleGan_epoch_9.onnx', 'CycleGan_epoch_10.onnx']);
    assert.equal(resolveServedFile(root, 'samples', 'link.jpg'), null);
    assert.equal(resolveServedFile(root, 'samples', '../samples/0000_0.jpg'), null);
  });

  test('params.json: changed names from the object the trainer writes, or from a list', () => {
    const root = tempDir();
    writeFileSync(join(root, 'params.json'), JSON.stringify({ parameters: { ngf: 4, seed: 0 }, changed_from_default: { ngf: 4 } }));
    assert.deepEqual(readRunFiles(root).params, { parameters: { ngf: 4, seed: 0 }, changed: ['ngf'] });
    writeFileSync(join(root, 'params.json'), JSON.stringify({ parameters: { ngf: 4 }, changed_from_default: ['ngf', 3] }));
    assert.deepEqual(readRunFiles(root).params?.changed, ['ngf']);
  });

  test('truncated, empty and hostile JSON files read as missing, never throw', () => {
    const root = tempDir();
    const whole = JSON.stringify({ parameters: { ngf: 4 }, changed_from_default: { ngf: 4 } });
    const hostile = ['', 'null', '[]', '"text"', '{"parameters": null}', '{"parameters": [1]}', '{"parameters": "x"}', '{"domains": 5}', '{"domains": []}', `{"a":${'['.repeat(100000)}`, '\u0000\u00ff'];
    for (let cut = 0; cut < whole.length; cut++) hostile.push(whole.slice(0, cut));
    for (const text of hostile) {
      writeFileSync(join(root, 'params.json'), text);
      writeFileSync(join(root, 'validation_report.json'), text);
      const files = readRunFiles(root);
      assert.equal(files.params, null, text.slice(0, 40));
      assert.equal(files.validation, null, text.slice(0, 40));
    }
  });
});
