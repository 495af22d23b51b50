// `cyclegan train --nproc 2`: the launcher starts two workers that train as one data-parallel run. A worker
// killed with SIGKILL makes the other stop with an error naming it, the launcher names it too, and the same
// command then resumes from the last checkpoint to the weights of an uninterrupted run. Ctrl-C (SIGINT) on
// the launcher stops both ranks after the same step with one checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, type StoredData } from '../../src/io/safetensors.js';
import { fixtures } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const tiny = ['--image_height', '32', '--image_width', '32', '--ngf', '4', '--ndf', '4', '--n_blocks', '1', '--log_frequency', '1', '--threads', '1', '--save_frequency', '1', '--seed', '3'];
// pool_size 3: each rank's pool fills and starts swapping within the first epoch, so the resume must restore every rank's pool.
const command = (out: string, maxEpoch: number): string[] => [cli, 'train', '--source', fixtures.flat, '--target', fixtures.target, '--out', out, ...tiny, '--pool_size', '3', '--max_epoch', String(maxEpoch), '--nproc', '2', '--dist_timeout', '20'];

/** The pids of the launcher's workers, by rank (from /proc: parent pid and RANK in the environment). */
function workers(launcher: number): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== launcher) continue;
      const rank = /(?:^|\0)RANK=(\d+)\0/.exec(readFileSync(`/proc/${entry}/environ`, 'utf8'));
      if (rank) found.set(Number(rank[1]), Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** Runs the command; `when` sees stderr as it grows and may act once. */
function run(args: string[], when: (stderr: string, pid: number) => boolean): Promise<{ code: number | null; stderr: string; seconds: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let acted = false;
  child.stdout.resume();
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!acted) acted = when(stderr, child.pid!);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, seconds: (Date.now() - started) / 1000 })));
}

function tensorsOf(out: string): Map<string, StoredData> {
  const file = readSafetensors(join(out, 'checkpoints', 'latest.safetensors'));
  return new Map([...file.tensors].map(([name, t]) => [name, t.data]));
}

test('--nproc 2: a killed rank is named, and a rerun resumes to the uninterrupted result', { timeout: 600_000 }, async () => {
  const base = tempDir();
  const straight = join(base, 'straight');
  const whole = spawnSync(process.execPath, command(straight, 2), { encoding: 'utf8' });
  assert.equal(whole.status, 0, whole.stderr);
  assert.ok(existsSync(join(straight, 'output_0.manifest')));
  assert.match(whole.stderr, /training from epoch 1 of 2, 5 steps per epoch/);
  assert.doesNotMatch(whole.stderr, /\[rank 1\]/, 'rank 1 reports nothing when all goes well');

  const out = join(base, 'killed');
  const killed = await run(command(out, 2), (stderr, pid) => {
    if (!/saved epoch 1/.test(stderr)) return false;
    const rank1 = workers(pid).get(1);
    if (rank1 === undefined) return false;
    process.kill(rank1, 'SIGKILL');
    return true;
  });
  assert.notEqual(killed.code, 0);
  assert.match(killed.stderr, /cyclegan: rank 1 was killed by SIGKILL/);
  assert.match(killed.stderr, /cyclegan: .*failed on rank 0 of 2: .*rank 1 stopped responding/);
  assert.ok(killed.seconds < 120, `took ${killed.seconds} s`);

  const again = spawnSync(process.execPath, command(out, 2), { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /resuming from \S+ at epoch 2 of 2, step \d+ of \d+/);
  const expected = tensorsOf(straight);
  const actual = tensorsOf(out);
  assert.ok([...expected.keys()].some((n) => n.startsWith('pool.rank1.fake_A.')), "the checkpoint holds rank 1's pool");
  for (const [name, bytes] of expected) assert.deepEqual(actual.get(name), bytes, `${name} differs from the uninterrupted run`);
});

test('--nproc 2: SIGINT on the launcher stops both ranks after the same step with one checkpoint', { timeout: 300_000 }, async () => {
  const out = join(tempDir(), 'run');
  const stopped = await run(command(out, 3), (stderr, pid) => {
    if (!/epoch 1\/3 step 2\//.test(stderr)) return false;
    process.kill(pid, 'SIGINT');
    return true;
  });
  assert.equal(stopped.code, 130, stopped.stderr);
  // One checkpoint, from rank 0 (rank 1 writes nothing and reports nothing).
  assert.equal(stopped.stderr.match(/interrupted: checkpoint written to .*latest\.safetensors/g)?.length, 1, stopped.stderr);
  assert.doesNotMatch(stopped.stderr, /\[rank 1\] .*(interrupted|checkpoint written|error)/);
  const again = spawnSync(process.execPath, command(out, 3), { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /resuming from \S+ at epoch 1 of 3, step \d+ of \d+/);
});
