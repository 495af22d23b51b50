// libtorch's OpenMP threads wait passively unless the user chose otherwise: the policy is in the
// environment by the time the addon (and with it libgomp, which reads it once) is loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultOpenMpWaitPolicy } from '../../src/engine/openmp_wait_policy.js';
import { repoRoot } from '../helpers/reference.js';

test('an unset or empty policy becomes PASSIVE; a chosen one is kept', () => {
  for (const [given, expected] of [[undefined, 'PASSIVE'], ['', 'PASSIVE'], ['ACTIVE', 'ACTIVE'], ['passive', 'passive']] as const) {
    const env: NodeJS.ProcessEnv = given === undefined ? {} : { OMP_WAIT_POLICY: given };
    defaultOpenMpWaitPolicy(env);
    assert.equal(env.OMP_WAIT_POLICY, expected);
  }
});

test('loading the engine sets it before the addon loads, in a process started without it', () => {
  const engine = pathToFileURL(join(repoRoot, 'dist', 'src', 'engine', 'index.js')).href;
  const script = `const before = process.env.OMP_WAIT_POLICY; const E = await import(${JSON.stringify(engine)}); E.ones([2]).dispose(); console.log(JSON.stringify({ before: before ?? null, after: process.env.OMP_WAIT_POLICY }));`;
  const env = { ...process.env };
  delete env.OMP_WAIT_POLICY;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { before: null, after: 'PASSIVE' });
});
