// One process per output folder (fault 2 of issue 9): a second train on a folder being trained exits
// at once naming the holder, predict into it is refused, and a stale lock (its pid gone) is taken over
// with a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fixtures } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';
import { cli, runCli, tinyFlags } from '../helpers/cli_run.js';

test('a second process on a folder being trained exits at once naming the holder; predict into it is refused', async () => {
  const out = join(tempDir(), 'busy');
  const first = spawn(process.execPath, [cli, 'train', '--source', fixtures.flat, '--target', fixtures.target, '--out', out, ...tinyFlags, '--max_epoch', '50', '--log_frequency', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve) => {
    first.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/step 1\//.test(stderr)) resolve();
    });
  });
  try {
    const started = Date.now();
    const second = runCli(['train', '--source', fixtures.flat, '--target', fixtures.target, '--out', out, ...tinyFlags]);
    assert.equal(second.status, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`^cyclegan: ${out} is in use by cyclegan train \\(process ${first.pid} on ${hostname()}, started [0-9T:.Z-]+\\); wait for it to finish or choose another --out\\. If that process is gone, delete ${out}/\\.cyclegan\\.lock\\n$`));
    assert.ok(Date.now() - started < 15000, 'exits without training');
    const predict = runCli(['predict', '--resume', '/nonexistent.safetensors', '--source', fixtures.flat, '--out', out]);
    assert.notEqual(predict.status, 0);
    const model = join(out, 'model');
    assert.ok(!existsSync(join(model, 'CycleGan_epoch_50.safetensors')));
  } finally {
    first.kill('SIGINT');
    await new Promise((resolve) => first.on('close', resolve));
  }
  assert.ok(!existsSync(join(out, '.cyclegan.lock')), 'the lock is released when the run ends');
});

test('predict into a folder being trained is refused, naming the holder', async () => {
  const out = join(tempDir(), 'training');
  const trained = join(tempDir(), 'trained');
  const quick = runCli(['train', '--source', fixtures.flat, '--target', fixtures.target, '--out', trained, ...tinyFlags, '--max_epoch', '1']);
  assert.equal(quick.status, 0, quick.stderr);
  mkdirSync(out, { recursive: true });
  // A live holder: this test process itself.
  writeFileSync(join(out, '.cyclegan.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z', command: 'train' }));
  const predict = runCli(['predict', '--resume', join(trained, 'checkpoints', 'latest.safetensors'), '--source', fixtures.flat, '--out', out]);
  assert.equal(predict.status, 1, predict.stderr);
  assert.match(predict.stderr, new RegExp(`^cyclegan: ${out} is in use by cyclegan train \\(process ${process.pid} on `));
  assert.ok(!existsSync(join(out, 'Data')));
});

test('a stale lock of a dead process on this host is taken over with a warning', () => {
  const out = join(tempDir(), 'stale');
  mkdirSync(out, { recursive: true });
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(dead.stdout);
  writeFileSync(join(out, '.cyclegan.lock'), JSON.stringify({ pid, host: hostname(), started: '2026-01-01T00:00:00.000Z', command: 'train' }));
  const r = runCli(['train', '--source', fixtures.flat, '--target', fixtures.target, '--out', out, ...tinyFlags, '--max_epoch', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`warning: taking over the lock of ${out} left by cyclegan train \\(process ${pid}, started 2026-01-01T00:00:00.000Z\\), which is no longer running`));
  assert.ok(!existsSync(join(out, '.cyclegan.lock')));
});
