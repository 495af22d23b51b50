import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanInput, type ScannedFile } from '../../src/data/scan.js';
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

/** Files named 0..n-1, enough for epochPairs (which reads nothing but the list). */
const namedFiles = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ path: `${prefix}${i}` }) as unknown as ScannedFile);

test('an epoch pairs as the reference UnalignedDataset does: every source image once, targets drawn at random each epoch', () => {
  const source = namedFiles('x', 40);
  const target = namedFiles('y', 40);
  const partners = new Map<string, Set<string>>();
  for (let epoch = 1; epoch <= 6; epoch++) {
    const pairs = epochPairs(3, epoch, source, target);
    assert.equal(pairs.length, 40);
    // The larger (here: either) domain's shuffled pass visits every source image exactly once.
    assert.deepEqual(pairs.map(([a]) => a.path).sort(), source.map((f) => f.path).sort());
    for (const [a, b] of pairs) (partners.get(a.path) ?? partners.set(a.path, new Set()).get(a.path)!).add(b.path);
    // Drawn with replacement: with 40 draws from 40 the chance that all targets differ is 40!/40^40, about 1e-16.
    assert.ok(new Set(pairs.map(([, b]) => b.path)).size < 40, 'targets are drawn with replacement, not a permutation');
  }
  // Pairing by the shuffled index would give each source image one partner in every epoch.
  const meanPartners = [...partners.values()].reduce((n, s) => n + s.size, 0) / partners.size;
  assert.ok(meanPartners > 4, `a source image meets several targets over 6 epochs (mean ${meanPartners})`);
});

test('a smaller source domain is visited in order[i] mod |X|, each image max/|X| times per epoch', () => {
  const source = namedFiles('x', 10);
  const target = namedFiles('y', 30);
  const pairs = epochPairs(5, 1, source, target);
  assert.equal(pairs.length, 30);
  const counts = new Map<string, number>();
  for (const [a] of pairs) counts.set(a.path, (counts.get(a.path) ?? 0) + 1);
  assert.deepEqual([...counts.values()], Array(10).fill(3));
  // The same seed and epoch give the same pairs (resuming relies on it); another epoch gives others.
  assert.deepEqual(epochPairs(5, 1, source, target), pairs);
  assert.notDeepEqual(epochPairs(5, 2, source, target), pairs);
});
