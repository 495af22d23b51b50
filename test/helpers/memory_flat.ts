// Memory that must not grow with repetition: after a warm-up, `pass` runs 100 more times and live tensors and the
// allocator's bytes in use must come back exactly, and RSS within 5% (the allocator may still round a block up).
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';

export function assertMemoryFlat(pass: () => void, o: { warmUp?: number; passes?: number } = {}): void {
  for (let i = 0; i < (o.warmUp ?? 10); i++) pass();
  const live = E.liveTensors();
  const inUse = E.allocatorStats().inUseBytes;
  const rss = process.memoryUsage().rss;
  for (let i = 0; i < (o.passes ?? 100); i++) pass();
  assert.equal(E.liveTensors(), live);
  assert.equal(E.allocatorStats().inUseBytes, inUse, 'bytes in use by tensors changed');
  assert.ok(process.memoryUsage().rss < rss * 1.05, `RSS grew from ${(rss / 2 ** 20).toFixed(1)} to ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB`);
}
