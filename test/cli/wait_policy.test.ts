// The OpenMP wait policy a training run gets: PASSIVE for small steps on more than one thread, unless the
// user chose; and the CLI sets it before libtorch loads, which libgomp's own report (OMP_DISPLAY_ENV) shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { waitPolicyFor } from '../../src/cli/wait_policy.js';
import { fixtures } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';

const step = (size: number, ngf: number, threads = 2) => ({ image_height: size, image_width: size, ngf, threads });

test('small steps on 2 threads sleep (PASSIVE); large ones, 1 thread and a user-set policy are left alone', () => {
  assert.equal(waitPolicyFor(step(32, 32), {})?.policy, 'PASSIVE');
  assert.equal(waitPolicyFor(step(64, 32), {})?.policy, 'PASSIVE');
  assert.equal(waitPolicyFor(step(64, 64), {}), null);
  assert.equal(waitPolicyFor(step(128, 64), {}), null);
  assert.equal(waitPolicyFor(step(256, 8), {})?.policy, 'PASSIVE');
  assert.equal(waitPolicyFor(step(32, 32, 1), {}), null);
  assert.equal(waitPolicyFor(step(32, 32), { OMP_WAIT_POLICY: 'ACTIVE' }), null);
  assert.equal(waitPolicyFor(step(32, 32), { GOMP_SPINCOUNT: '1000' }), null);
});

/** libgomp's spin count as it read its environment at load: 0 under PASSIVE, 300000 by default. */
function spinCountOfTrain(extra: string[]): { spin: string | undefined; stderr: string; status: number | null } {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_DISPLAY_ENV: 'VERBOSE' };
  delete env.OMP_WAIT_POLICY;
  delete env.GOMP_SPINCOUNT;
  const args = ['--source', fixtures.flat, '--target', fixtures.target, '--out', join(tempDir(), 'run'), '--image_height', '32', '--image_width', '32', '--ngf', '4', '--ndf', '4', '--n_blocks', '1', '--max_epoch', '1', '--eval_images', '0', '--do_validation', 'false', ...extra];
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'src', 'cli', 'main.js'), 'train', ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { spin: /GOMP_SPINCOUNT = '(\d+)'/.exec(r.stderr)?.[1], stderr: r.stderr, status: r.status };
}

test('cyclegan train sets PASSIVE before libtorch loads for a small run, and leaves the default for 1 thread', { timeout: 240_000 }, () => {
  const small = spinCountOfTrain(['--threads', '2']);
  assert.equal(small.status, 0, small.stderr);
  assert.equal(small.spin, '0', `libgomp read spin count ${small.spin}: the policy came too late\n${small.stderr}`);
  assert.match(small.stderr + '', /OMP_WAIT_POLICY=PASSIVE/);
  const single = spinCountOfTrain(['--threads', '1']);
  assert.equal(single.status, 0, single.stderr);
  assert.equal(single.spin, '300000');
});
