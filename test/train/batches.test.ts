import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanInput } from '../../src/data/scan.js';
import { BatchLoader, epochPairs, type Batch, type BatchLoaderOptions } from '../../src/train/batches.js';
import { fixtures } from '../helpers/fixtures.js';

/** Every batch of `epochs` epochs, through the prefetcher as the trainer takes them, and the warnings on the way. */
async function loadEpochs(options: Omit<BatchLoaderOptions, 'onSkip'>, epochs: number): Promise<{ batches: Batch[]; warnings: string[]; loader: BatchLoader }> {
  // The flat fixtures include files that fail to decode: their pairs are skipped with a warning, cached or not.
  const source = (await scanInput(fixtures.flat)).files;
  const target = (await scanInput(fixtures.target)).files;
  const warnings: string[] = [];
  const loader = new BatchLoader({ ...options, onSkip: (m) => warnings.push(m) });
  const batches: Batch[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const pairs = epochPairs(options.seed, epoch, source, target);
    const steps = Array.from({ length: Math.ceil(pairs.length / options.batchSize) }, (_, i) => i);
    const prefetcher = loader.epoch(epoch, pairs, steps);
    for (let next = await prefetcher.next(); next; next = await prefetcher.next()) batches.push(next.value);
  }
  return { batches, warnings, loader };
}

test('batches are bit-identical with the decoded-image cache and without it, epoch after epoch', async () => {
  const options = { shape: { channels: 3, height: 16, width: 16 }, loadScale: 1.12, flip: true, seed: 7, batchSize: 2 } as const;
  const cached = await loadEpochs(options, 3);
  const uncached = await loadEpochs({ ...options, cacheBytes: 0 }, 3);
  assert.deepEqual(cached.batches, uncached.batches);
  // The same files skipped in the same order; not the same reason text, which libvips' shared error buffer makes racy under concurrent decodes.
  const skippedFiles = (warnings: string[]): string[] => warnings.map((w) => w.slice(0, w.indexOf(':')));
  assert.deepEqual(skippedFiles(cached.warnings), skippedFiles(uncached.warnings));
  assert.ok(cached.warnings.length > 0, 'the broken fixtures were skipped');
  assert.ok(cached.batches.some((b) => b.n === 2) && cached.batches.some((b) => b.n < 2), 'full batches and batches short of a skipped pair');
  // Every usable file of both domains is kept; the uncached loader keeps nothing.
  assert.ok(cached.loader.cache.size > 0 && cached.loader.cache.bytes > 0);
  assert.equal(uncached.loader.cache.size, 0);
});
