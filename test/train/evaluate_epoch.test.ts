// Metrics during training: metrics events at each save (in train.jsonl and through onEvent), the best epoch by
// KID* in best.json with its model files linked into model/best/, and a seeded, stable evaluation subset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveParameters } from '../../src/config/resolve.js';
import type { ScannedFile } from '../../src/data/scan.js';
import { evalSubset } from '../../src/train/evaluate_epoch.js';
import type { RunEvent } from '../../src/io/events.js';
import { train } from '../../src/train/trainer.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';

test('the evaluation subset is seeded, in listing order, and all files when there are few', () => {
  const files = Array.from({ length: 50 }, (_, i) => ({ path: `/x/${String(i).padStart(2, '0')}.jpg` }) as ScannedFile);
  const a = evalSubset(files, 10, 3, 0);
  assert.equal(a.length, 10);
  assert.deepEqual(a, [...a].sort());
  assert.deepEqual(a, evalSubset(files, 10, 3, 0));
  assert.notDeepEqual(a, evalSubset(files, 10, 4, 0));
  assert.equal(evalSubset(files, 80, 3, 0).length, 50);
});

test('training with eval_images evaluates at each save and records the best epoch', async () => {
  const out = tempDir();
  const events: RunEvent[] = [];
  await train({
    source: fixtures.flat,
    target: fixtures.target,
    out,
    parameters: resolveParameters({ ...tinyParameters, eval_images: 3 }),
    onEvent: (e) => events.push(e),
  });
  const metrics = events.filter((e) => e.type === 'metrics');
  assert.deepEqual(metrics.map((e) => e.epoch), [1, 2]);
  const logged = readFileSync(join(out, 'logs', 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'metrics');
  assert.equal(logged.length, 2);
  for (const m of logged) {
    assert.deepEqual(m.images, { real: 3, fake: 3 });
    for (const space of ['pool', 'mixed5']) assert.ok(Number.isFinite(m.scores[space].kid) && m.scores[space].fid > 0, JSON.stringify(m.scores));
  }
  const best = JSON.parse(readFileSync(join(out, 'best.json'), 'utf8'));
  const kids = logged.map((m) => m.scores.mixed5.kid);
  assert.equal(best.epoch, kids[1] < kids[0] ? 2 : 1);
  assert.equal(best.kid, Math.min(...kids));
  assert.equal(logged[1].bestEpoch, best.epoch);
  for (const file of best.files) {
    assert.ok(existsSync(file), file);
    const original = join(out, 'model', file.split('/').pop());
    assert.equal(statSync(file).ino, statSync(original).ino, 'a hard link to the saved model file');
  }
});
