import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { Rng } from '../../src/engine/rng.js';

test('the same seed gives the same sequence; different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const sa = Array.from({ length: 20 }, () => a.next());
  assert.deepEqual(sa, Array.from({ length: 20 }, () => b.next()));
  assert.notDeepEqual(sa, Array.from({ length: 20 }, () => c.next()));
  for (const v of sa) assert.ok(v >= 0 && v < 1);
});

test('xoshiro128** matches the reference implementation for a known state', () => {
  // From the C reference (prng.di.unimi.it/xoshiro128starstar.c) with s = {1, 2, 3, 4}.
  const rng = Rng.fromState({ algorithm: 'xoshiro128**', s: [1, 2, 3, 4] });
  assert.deepEqual(
    Array.from({ length: 6 }, () => rng.nextUint32()),
    [11520, 0, 5927040, 70819200, 2031721883, 1637235492],
  );
});

test('state() / fromState() reproduce the sequence exactly, through JSON', () => {
  const rng = new Rng(7);
  for (let i = 0; i < 100; i++) rng.next();
  const saved = JSON.parse(JSON.stringify(rng.state()));
  const expected = [rng.next(), rng.int(10), rng.shuffle([1, 2, 3, 4, 5, 6])];
  const restored = Rng.fromState(saved);
  assert.deepEqual([restored.next(), restored.int(10), restored.shuffle([1, 2, 3, 4, 5, 6])], expected);
});

test('int(n) covers [0, n) evenly and shuffle permutes', () => {
  const rng = new Rng(1);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 5000; i++) counts[rng.int(5)]++;
  for (const c of counts) assert.ok(c > 900 && c < 1100, `count ${c}`);
  const shuffled = rng.shuffle(Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...shuffled].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(shuffled, Array.from({ length: 50 }, (_, i) => i));
});

test('bad arguments and states are refused with a message', () => {
  assert.throws(() => new Rng(1.5), new ConfigError('Expected an integer for the random seed but received 1.5'));
  assert.throws(() => new Rng(0).int(0), new ConfigError('Expected a positive integer up to 2^32 for n but received 0'));
  assert.throws(
    () => Rng.fromState({ algorithm: 'xoshiro128**', s: [0, 0, 0, 0] }),
    new ConfigError(
      'Expected an Rng state like {"algorithm":"xoshiro128**","s":[4 unsigned 32-bit integers, not all 0]} but received {"algorithm":"xoshiro128**","s":[0,0,0,0]}; pass the object returned by rng.state() unchanged',
    ),
  );
});
