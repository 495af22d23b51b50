// The nsfwjs model reader against damaged and hostile files: every failure is a CheckpointError naming the
// file, nothing is executed, and no path leads out of the model folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../../src/errors.js';
import { Rng } from '../../src/engine/rng.js';
import { parseBundledLiteral } from '../../src/metrics/js_literal.js';
import { loadNsfwjsModel, nsfwjsInceptionDir } from '../../src/metrics/nsfwjs_weights.js';
import { tempDir } from '../helpers/reference.js';

const wrap = (literal: string): string => `!function(a){}(function(){return function a(n,i,e){}({1:[function(a,n,i){n.exports=${literal}},{}]},{},[1])(1)});`;

test('the minifier literal subset parses to the same value as JSON', () => {
  const value = parseBundledLiteral(wrap(`{a:!0,b:!1,"c d":[.5,-.25,1e-3,-2E+2,null],e:"x\\"y\\\\z",f:'it\\'s',g:{}}`), 'f.js');
  assert.deepEqual(JSON.parse(JSON.stringify(value)), { a: true, b: false, 'c d': [0.5, -0.25, 0.001, -200, null], e: 'x"y\\z', f: "it's", g: {} });
});

test('truncated model files fail with a CheckpointError naming the file', () => {
  const text = readFileSync(join(nsfwjsInceptionDir(), 'model.min.js'), 'utf8');
  const start = text.indexOf('.exports=') + 9;
  const end = text.lastIndexOf('}},{}]}');
  const rng = new Rng(3);
  for (let i = 0; i < 200; i++) {
    const cut = start + rng.int(end - start);
    assert.throws(() => parseBundledLiteral(text.slice(0, cut), 'model.min.js'), (e: unknown) => e instanceof CheckpointError && e.message.startsWith('model.min.js: '), `cut at ${cut}`);
  }
});

test('hostile inputs: code, deep nesting, unterminated strings', () => {
  for (const literal of ['process.exit(1)', 'require("fs")', '(function(){})()', '['.repeat(100_000), '"abc', '{a:1,,}', '{a:1}; evil()']) {
    assert.throws(() => parseBundledLiteral(wrap(literal), 'x.js'), CheckpointError, literal.slice(0, 20));
  }
  assert.throws(() => parseBundledLiteral('module.exports = 1', 'x.js'), /x.js: no module.exports assignment found/);
});

test('a damaged folder: shard paths out of the folder, bad base64, a short shard', async () => {
  const source = nsfwjsInceptionDir();
  const model = readFileSync(join(source, 'model.min.js'), 'utf8');
  const dir = tempDir();
  writeFileSync(join(dir, 'model.min.js'), model.replace('"group1-shard1of6"', '"../../etc/passwd"'));
  await assert.rejects(loadNsfwjsModel(dir), /expected shard names like group1-shard1of6 but found "..\/..\/etc\/passwd"/);

  writeFileSync(join(dir, 'model.min.js'), model);
  for (let i = 2; i <= 6; i++) copyFileSync(join(source, `group1-shard${i}of6.min.js`), join(dir, `group1-shard${i}of6.min.js`));
  writeFileSync(join(dir, 'group1-shard1of6.min.js'), wrap('"not base64!"'));
  await assert.rejects(loadNsfwjsModel(dir), /group1-shard1of6.min.js: the weight shard is not valid base64/);
  writeFileSync(join(dir, 'group1-shard1of6.min.js'), wrap('"AAAA"'));
  await assert.rejects(loadNsfwjsModel(dir), (e: unknown) => e instanceof CheckpointError && /the shards end before this weight|the shards hold \d+ bytes but the manifest describes/.test(e.message));
});
