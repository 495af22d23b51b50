import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { scanInput } from '../../src/data/scan.js';
import { validateFiles } from '../../src/data/validate.js';
import { repoRoot } from './paths.js';

const demo = join(repoRoot, 'data', 'demo');

test('the bundled demo data scans as two flat domains of usable 128px images', async () => {
  for (const domain of ['day', 'night']) {
    const listing = await scanInput(join(demo, domain));
    assert.equal(listing.layout, 'flat');
    assert.equal(listing.files.length, 150, domain);
    const result = await validateFiles(listing.files);
    assert.deepEqual(result.rejected, [], domain);
  }
});

test('the paired check set has the same 16 file names by day and by night', async () => {
  const day = await scanInput(join(demo, 'paired', 'day'));
  const night = await scanInput(join(demo, 'paired', 'night'));
  assert.equal(day.files.length, 16);
  assert.deepEqual(day.files.map((f) => basename(f.path)), night.files.map((f) => basename(f.path)));
});
