// KID and FID against numpy/scipy (test/reference/metrics_reference.py, clean-fid's formulas) on random features.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/engine/rng.js';
import { featureMatrix, type FeatureMatrix } from '../../src/metrics/features.js';
import { drawKidSubsets, kernelInceptionDistance } from '../../src/metrics/kid.js';
import { frechetInceptionDistance } from '../../src/metrics/fid.js';
import { DatasetError } from '../../src/errors.js';
import { runReference, tempDir } from '../helpers/reference.js';

/** Gaussian-ish random features (sum of uniforms), shifted by `shift`, with a random linear mix so covariances are not diagonal. */
function randomFeatures(rng: Rng, rows: number, dim: number, shift: number): FeatureMatrix {
  const data = new Float64Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() + rng.next() + rng.next() - 1.5 + shift;
  for (let r = 0; r < rows; r++) for (let c = 1; c < dim; c++) data[r * dim + c] += 0.5 * data[r * dim + c - 1];
  return featureMatrix(rows, dim, data);
}

function rowsOf(m: FeatureMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.dim, (r + 1) * m.dim)));
}

function reference(real: FeatureMatrix, fake: FeatureMatrix, subsets: [Int32Array, Int32Array][]): { kid_mean: number; kid_std: number; fid: number } {
  const file = join(tempDir(), 'case.json');
  writeFileSync(file, JSON.stringify({ real: rowsOf(real), fake: rowsOf(fake), subsets: subsets.map(([a, b]) => [Array.from(a), Array.from(b)]) }));
  return JSON.parse(runReference('metrics_reference.py', [file])) as { kid_mean: number; kid_std: number; fid: number };
}

function assertRelative(actual: number, expected: number, rtol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rtol * Math.abs(expected) + 1e-12, `${what}: ${actual}, expected ${expected} (rtol ${rtol})`);
}

describe('KID and FID match numpy/scipy', () => {
  const cases = [
    { name: 'different distributions, unequal sizes', realRows: 60, fakeRows: 45, dim: 24, shift: 0.3, maxSubsetSize: 1000 },
    { name: 'same distribution, subsets smaller than the sets', realRows: 80, fakeRows: 70, dim: 16, shift: 0, maxSubsetSize: 30 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const rng = new Rng(7);
      const real = randomFeatures(rng, c.realRows, c.dim, 0);
      const fake = randomFeatures(rng, c.fakeRows, c.dim, c.shift);
      const kid = kernelInceptionDistance(real, fake, { subsets: 20, maxSubsetSize: c.maxSubsetSize, seed: 3 });
      const subsetSize = Math.min(c.realRows, c.fakeRows, c.maxSubsetSize);
      assert.equal(kid.subsetSize, subsetSize);
      const expected = reference(real, fake, drawKidSubsets(3, c.fakeRows, c.realRows, subsetSize, 20));
      assertRelative(kid.mean, expected.kid_mean, 1e-9, 'KID mean');
      assertRelative(kid.std, expected.kid_std, 1e-7, 'KID std');
      // Large sets compute each subset's kernel blocks on their own: the same numbers.
      const perSubset = kernelInceptionDistance(real, fake, { subsets: 20, maxSubsetSize: c.maxSubsetSize, seed: 3, wholeMatrixLimit: 10 });
      assertRelative(perSubset.mean, expected.kid_mean, 1e-9, 'KID mean, per-subset path');
      assertRelative(perSubset.std, expected.kid_std, 1e-7, 'KID std, per-subset path');
      const fid = frechetInceptionDistance(real, fake);
      assert.equal(fid.offsetApplied, false);
      assertRelative(fid.value, expected.fid, 1e-7, 'FID');
    });
  }

  test('KID subsets are distinct indices within range, reproducible from the seed', () => {
    const a = drawKidSubsets(5, 12, 9, 9, 4);
    assert.deepEqual(a, drawKidSubsets(5, 12, 9, 9, 4));
    for (const [fake, real] of a) {
      assert.equal(new Set(fake).size, 9);
      assert.ok(fake.every((i) => i >= 0 && i < 12) && real.every((i) => i >= 0 && i < 9));
      assert.equal(new Set(real).size, 9);
    }
  });

  test('identical sets give FID 0; a second draw of the same distribution is closer than a shifted one', () => {
    const rng = new Rng(1);
    const real = randomFeatures(rng, 40, 8, 0);
    assert.ok(Math.abs(frechetInceptionDistance(real, real).value) < 1e-9);
    const same = kernelInceptionDistance(real, randomFeatures(rng, 40, 8, 0), { subsets: 10, maxSubsetSize: 20 }).mean;
    const shifted = kernelInceptionDistance(real, randomFeatures(rng, 40, 8, 0.5), { subsets: 10, maxSubsetSize: 20 }).mean;
    assert.ok(Math.abs(same) < shifted / 10, `KID same ${same}, shifted ${shifted}`);
  });

  test('fewer than 2 images on a side is a clear error', () => {
    const real = randomFeatures(new Rng(1), 5, 4, 0);
    const one = randomFeatures(new Rng(2), 1, 4, 0);
    assert.throws(() => kernelInceptionDistance(real, one), (e: unknown) => e instanceof DatasetError && /KID needs at least 2 images on each side but the fake set has 1/.test(e.message));
    assert.throws(() => frechetInceptionDistance(one, real), /FID needs at least 2 images on each side but the real set has 1/);
  });
});
