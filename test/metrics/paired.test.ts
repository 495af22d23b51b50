// L1, PSNR and SSIM against numpy and scikit-image (test/reference/paired_reference.py) on random image pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/engine/rng.js';
import { pairedScores, type PlanarImage } from '../../src/metrics/paired.js';
import { DatasetError } from '../../src/errors.js';
import { runReference, tempDir } from '../helpers/reference.js';

/** A smooth random image (so SSIM is not near 0), optionally a noisy copy of `base`. */
function image(rng: Rng, c: number, h: number, w: number, base?: PlanarImage, noise = 0.1): PlanarImage {
  const data = new Float64Array(c * h * w);
  for (let i = 0; i < data.length; i++) {
    const x = i % w;
    const y = Math.floor(i / w) % h;
    const clean = base ? (base.data[i] as number) : 0.5 + 0.4 * Math.sin(x / 5 + c) * Math.cos(y / 7);
    data[i] = Math.min(1, Math.max(0, clean + noise * (rng.next() - 0.5)));
  }
  return { data, channels: c, height: h, width: w };
}

function nested(img: PlanarImage): number[][][] {
  const { channels, height, width } = img;
  return Array.from({ length: channels }, (_, c) => Array.from({ length: height }, (_, y) => Array.from(img.data.subarray((c * height + y) * width, (c * height + y + 1) * width))));
}

test('L1, PSNR and SSIM match numpy and scikit-image', () => {
  const rng = new Rng(11);
  const real1 = image(rng, 3, 24, 31, undefined, 0.2);
  const real2 = image(rng, 1, 40, 17, undefined, 0.2);
  const pairs = [
    { fake: image(rng, 3, 24, 31, real1, 0.3), real: real1 },
    { fake: image(rng, 1, 40, 17, real2, 0.05), real: real2 },
    { fake: image(rng, 3, 24, 31, undefined, 0.5), real: real1 },
  ];
  const file = join(tempDir(), 'pairs.json');
  writeFileSync(file, JSON.stringify({ pairs: pairs.map((p) => ({ fake: nested(p.fake), real: nested(p.real) })) }));
  const expected = JSON.parse(runReference('paired_reference.py', [file])) as { l1: number; psnr: number; ssim: number }[];
  pairs.forEach((p, i) => {
    const ours = pairedScores(p.fake, p.real);
    const e = expected[i]!;
    for (const key of ['l1', 'psnr', 'ssim'] as const) {
      assert.ok(Math.abs(ours[key] - e[key]) <= 1e-9 * Math.max(1, Math.abs(e[key])), `pair ${i} ${key}: ${ours[key]}, expected ${e[key]}`);
    }
  });
});

test('identical images: L1 0, PSNR Infinity, SSIM 1; mismatched sizes are a clear error', () => {
  const a = image(new Rng(1), 3, 16, 16);
  assert.deepEqual(pairedScores(a, a), { l1: 0, psnr: Infinity, ssim: 1 });
  const b = image(new Rng(1), 3, 16, 20);
  assert.throws(() => pairedScores(a, b, 'x.png'), (e: unknown) => e instanceof DatasetError && e.message === 'x.png: the translation is 3x16x16 but the ground truth is 3x16x20');
});
