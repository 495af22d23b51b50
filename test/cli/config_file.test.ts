// `run --config` takes the params.json a run wrote, so a run can be repeated from its own record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { resolveParameters } from '../../src/config/resolve.js';
import { writeRunParameters } from '../../src/train/run_parameters.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

test('run --config accepts the params.json of an earlier run and repeats its parameters', () => {
  const dir = tempDir();
  const record = join(dir, 'params.json');
  const threads = availableParallelism() === 1 ? 2 : 1; // differs from this machine, to see it replaced
  writeRunParameters(record, resolveParameters({ ...tinyParameters, max_epoch: 1, threads }));
  const out = join(dir, 'again');
  const r = spawnSync(process.execPath, [cli, 'run', '--config', record, '--source', fixtures.flat, '--target', fixtures.target, '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const before = JSON.parse(readFileSync(record, 'utf8')).parameters;
  const after = JSON.parse(readFileSync(join(out, 'params.json'), 'utf8')).parameters;
  assert.deepEqual({ ...after, threads: before.threads }, before);
  assert.equal(after.threads, availableParallelism());
});

test('a params.json-like file with other keys is still read as plain parameters, and refused by name', () => {
  const dir = tempDir();
  const file = join(dir, 'p.json');
  writeFileSync(file, JSON.stringify({ parameters: {}, seed: 3 }));
  const r = spawnSync(process.execPath, [cli, 'run', '--config', file, '--source', fixtures.flat, '--out', join(dir, 'o')], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^cyclegan: Unknown parameter 'parameters'/);
});
