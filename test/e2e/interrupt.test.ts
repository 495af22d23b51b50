// Ctrl-C on the CLI: the run finishes its step, writes a checkpoint and exits 130; the same command
// then continues to the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

test('SIGINT writes a checkpoint and the same command resumes', async () => {
  const out = join(tempDir(), 'run');
  const args = [cli, 'train', '--source', fixtures.flat, '--target', fixtures.target, '--out', out, '--image_height', '32', '--image_width', '32', '--ngf', '4', '--ndf', '4', '--n_blocks', '1', '--max_epoch', '3', '--log_frequency', '1', '--threads', '1'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let signalled = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!signalled && /epoch 1\/3 step 2\//.test(stderr)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted: checkpoint written to .*latest\.safetensors; run the same command again to continue/);
  assert.ok(existsSync(join(out, 'checkpoints', 'latest.safetensors')));
  assert.ok(!existsSync(join(out, 'output_0.manifest')), 'an interrupted run has not generated yet');

  const again = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /resuming from \S+ at epoch 1 of 3, step \d+ of \d+/);
  assert.ok(existsSync(join(out, 'output_0.manifest')));
});
