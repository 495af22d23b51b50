// `cyclegan eval` end to end: clear errors for an empty folder and a single image (KID needs two per side),
// and a JSON report whose paired scores are exact when the "generated" images are the ground truth itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../helpers/reference.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const night = join(repoRoot, 'data', 'demo', 'paired', 'night');
const day = join(repoRoot, 'data', 'demo', 'paired', 'day');

function folder(files: string[], from: string): string {
  const dir = join(tempDir(), 'images');
  mkdirSync(dir);
  for (const f of files) copyFileSync(join(from, f), join(dir, f));
  return dir;
}

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, 'eval', ...args], { encoding: 'utf8' });
}

test('an empty folder and a single image are clear errors, without a stack trace', () => {
  const empty = folder([], night);
  const r1 = run(['--real', empty, '--fake', day]);
  assert.equal(r1.status, 1);
  assert.match(r1.stderr, new RegExp(`cyclegan: Folder ${empty} contains no images`));
  const one = folder(['pair_000.jpg'], night);
  const r2 = run(['--real', night, '--fake', one]);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, new RegExp(`cyclegan: The fake folder ${one} has 1 usable image; KID and FID need at least 2 images on each side`));
  assert.doesNotMatch(r1.stderr + r2.stderr, /\n\s+at /);
  const r3 = run(['--fake', day]);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /Missing --real/);
});

test('--json report: both feature spaces, and paired scores of images against themselves', () => {
  const files = ['pair_000.jpg', 'pair_001.jpg', 'pair_002.jpg'];
  const fake = folder(files, night);
  const r = run(['--real', day, '--fake', fake, '--paired', night, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    images: { real: number; fake: number };
    scores: Record<string, { kid: { mean: number; std: number; subsetSize: number }; fid: number }>;
    paired: { images: { name: string; l1: number; psnr: number | null; ssim: number }[]; mean: { l1: number; ssim: number }; unmatched: string[] };
  };
  assert.deepEqual(report.images, { real: 16, fake: 3 });
  assert.deepEqual(Object.keys(report.scores), ['pool', 'mixed5']);
  for (const s of Object.values(report.scores)) {
    assert.equal(s.kid.subsetSize, 3);
    assert.ok(Number.isFinite(s.kid.mean) && s.kid.std >= 0 && s.fid > 0);
  }
  assert.deepEqual(report.paired.images.map((i) => [i.name, i.l1, i.psnr, i.ssim]), files.map((f) => [f, 0, null, 1]));
  assert.deepEqual(report.paired.unmatched, []);
});
