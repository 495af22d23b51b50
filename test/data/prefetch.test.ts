import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { ConfigError, DatasetError } from '../../src/errors.js';
import { loadTrainingImage } from '../../src/data/decode.js';
import { Prefetcher } from '../../src/data/prefetch.js';
import { Rng } from '../../src/engine/rng.js';
import { fixture } from './paths.js';

test('items come back in order even when loads finish out of order, with at most depth in flight', async () => {
  let inFlight = 0;
  let most = 0;
  const started: number[] = [];
  const load = async (i: number): Promise<string> => {
    started.push(i);
    most = Math.max(most, ++inFlight);
    await sleep((7 - i) * 3);
    inFlight--;
    return `item ${i}`;
  };
  const order = [5, 0, 3, 1, 6, 2, 4];
  const prefetcher = new Prefetcher(load, order, { depth: 3 });
  assert.equal(prefetcher.remaining, 7);
  const got: Array<number | undefined> = [];
  for (let item = await prefetcher.next(); item; item = await prefetcher.next()) {
    assert.equal(item.value, `item ${item.index}`);
    got.push(item.index);
  }
  assert.deepEqual(got, order);
  assert.deepEqual(started, order);
  assert.equal(most, 3);
  assert.equal(prefetcher.remaining, 0);
  assert.equal(await prefetcher.next(), null);
});

test('a file that fails to decode is skipped, not thrown', async () => {
  const paths = [fixture('target', 't_1.png'), fixture('flat', 'broken_truncated.jpg'), fixture('target', 't_2.png'), fixture('flat', 'broken_empty.jpg')];
  const rng = new Rng(0);
  const options = { channels: 3, height: 16, width: 16, loadScale: 1.25, flip: true } as const;
  const prefetcher = new Prefetcher((i) => loadTrainingImage(paths[i] as string, options, rng), [0, 1, 2, 3], { depth: 2 });
  const got: number[] = [];
  for (let item = await prefetcher.next(); item; item = await prefetcher.next()) {
    assert.equal(item.value.length, 3 * 16 * 16);
    got.push(item.index);
  }
  assert.deepEqual(got, [0, 2]);
  await assert.rejects(loadTrainingImage(paths[1] as string, options, rng), DatasetError, 'the skipped file is one that fails to load');
});

test('a loader that throws synchronously is treated like a failed load', async () => {
  const prefetcher = new Prefetcher((i) => {
    if (i === 1) throw new Error('sync');
    return Promise.resolve(i * 10);
  }, [0, 1, 2]);
  assert.deepEqual([await prefetcher.next(), await prefetcher.next(), await prefetcher.next()], [{ index: 0, value: 0 }, { index: 2, value: 20 }, null]);
});

test('augmentation through the prefetcher is the same on every run with the same seed', async () => {
  const paths = [fixture('target', 't_1.png'), fixture('target', 't_2.png'), fixture('target', 't_3.png'), fixture('target', 't_4.png')];
  const options = { channels: 3, height: 16, width: 16, loadScale: 1.5, flip: true } as const;
  const run = async (depth: number): Promise<Float32Array[]> => {
    const rng = new Rng(11);
    const prefetcher = new Prefetcher((i) => loadTrainingImage(paths[i] as string, options, rng), [2, 0, 3, 1, 2, 0], { depth });
    const out: Float32Array[] = [];
    for (let item = await prefetcher.next(); item; item = await prefetcher.next()) out.push(item.value);
    return out;
  };
  const first = await run(3);
  assert.deepEqual(await run(3), first);
  assert.deepEqual(await run(1), first, 'the depth does not change the random stream');
  assert.notDeepEqual(first[0], first[4], 'the same file gets a different crop the second time');
});

test('depth must be a positive integer', () => {
  assert.throws(() => new Prefetcher(() => Promise.resolve(0), [], { depth: 0 }), new ConfigError('Expected a positive integer for depth but received 0'));
});
