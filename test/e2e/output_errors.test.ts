// --out that cannot be written (fault 8 of issue 9): an existing file, a virtual file system, a
// read-only one and a full disk each end in one line naming the path and the fix, never a stack;
// what was saved before a full disk stays readable. The read-only and full disks are small tmpfs
// mounts (the tests run as root, as npm test does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../src/io/checkpoint.js';
import { fixtures } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';
import { runCli, tinyFlags } from '../helpers/cli_run.js';

const trainInto = (out: string, ...extra: string[]) => runCli(['train', '--source', fixtures.flat, '--target', fixtures.target, '--out', out, ...tinyFlags, ...extra]);

function withTmpfs(options: string, use: (dir: string) => void): void {
  const dir = tempDir('cyclegan-mount-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  try {
    use(dir);
  } finally {
    execFileSync('umount', [dir]);
  }
}

test('--out naming an existing file', () => {
  const file = join(tempDir(), 'taken');
  writeFileSync(file, 'x');
  const r = trainInto(file);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `cyclegan: --out ${file} is an existing file, not a folder: name a new or existing folder\n`);
});

test('--out on a virtual file system does not hang and says why', () => {
  const out = `/proc/cyclegan-test-${process.pid}/out`;
  const r = runCli(['train', '--source', fixtures.flat, '--target', fixtures.target, '--out', out, ...tinyFlags], 20_000);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `cyclegan: cannot create the output folder ${out}: /proc does not accept new folders (a virtual or read-only file system); choose --out on a writable disk\n`);
});

test('--out on a read-only file system', () => {
  withTmpfs('ro,size=64k', (dir) => {
    const r = trainInto(join(dir, 'run'));
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `cyclegan: cannot create the output folder ${join(dir, 'run')}: ${dir} is on a read-only file system (EROFS); choose --out on a writable disk\n`);
  });
});

test('a full disk ends in one line, and the checkpoint saved before stays readable', () => {
  withTmpfs('size=1000k', (dir) => {
    const out = join(dir, 'run');
    mkdirSync(out);
    const r = trainInto(out, '--max_epoch', '3', '--save_frequency', '1');
    assert.equal(r.status, 1, r.stderr);
    const last = r.stderr.trim().split('\n').at(-1) ?? '';
    assert.match(last, new RegExp(`^cyclegan: cannot write ${out}/\\S+: the disk is full \\(ENOSPC\\); free space on it \\(or choose --out elsewhere\\) and run the same command again: a training run continues from its last checkpoint$`));
    assert.doesNotMatch(r.stderr, /unexpected error|\n\s+at /);
    const checkpoint = join(out, 'checkpoints', 'latest.safetensors');
    assert.ok(existsSync(checkpoint), 'the first epoch fitted');
    assert.ok(readCheckpoint(checkpoint).meta.progress.epoch >= 1);
  });
});
