// Sanity on the demo data: two halves of the night images are closer in KID* than day is to night, in both
// feature spaces. A subset keeps it short (feature extraction at 299 px is the cost).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { featuresOfFiles } from '../../src/metrics/feature_sets.js';
import type { FeatureMatrix } from '../../src/metrics/features.js';
import { InceptionExtractor } from '../../src/metrics/inception_extractor.js';
import { kernelInceptionDistance } from '../../src/metrics/kid.js';
import { repoRoot } from '../helpers/reference.js';

const PER_SET = 12;
const demo = join(repoRoot, 'data', 'demo');
const files = (domain: string) => readdirSync(join(demo, domain)).sort().map((f) => join(demo, domain, f));

function rows(m: FeatureMatrix, start: number, count: number): FeatureMatrix {
  return { rows: count, dim: m.dim, data: m.data.slice(start * m.dim, (start + count) * m.dim) };
}

let extractor: InceptionExtractor;
before(async () => {
  extractor = await InceptionExtractor.load();
});
after(() => extractor?.dispose());

test('KID*(night half 1, night half 2) < KID*(day, night)', async () => {
  // Every other file, so both halves span the whole (longitude-ordered) folder.
  const night = files('night').filter((_, i) => i % 2 === 0).slice(0, 2 * PER_SET);
  const day = files('day').filter((_, i) => i % 2 === 0).slice(0, PER_SET);
  const n = await featuresOfFiles([...night.filter((_, i) => i % 2 === 0), ...night.filter((_, i) => i % 2 === 1)], extractor);
  const d = await featuresOfFiles(day, extractor);
  for (const space of ['pool', 'mixed5']) {
    const half1 = rows(n[space]!, 0, PER_SET);
    const half2 = rows(n[space]!, PER_SET, PER_SET);
    const within = kernelInceptionDistance(half1, half2).mean;
    const across = kernelInceptionDistance(half1, d[space]!).mean;
    assert.ok(within < across, `${space}: KID*(night, night) ${within} should be below KID*(night, day) ${across}`);
  }
});
