import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Machine } from '../../bench/machine.js';
import { FULL_POLICY, QUICK_POLICY } from '../../bench/options.js';
import { summarizeNoise, writeResults, type BenchResult } from '../../bench/report.js';

const machine = (date: string): Machine => ({ date }) as unknown as Machine;
const result = (name: string, value: number): BenchResult => ({
  name,
  title: `${name} title`,
  table: { header: [], leftColumns: [], body: [], notes: [], footnotes: [] },
  ratios: { [`${name}/x`]: value },
  rows: [value],
  noise: { otherLoad: [], spreads: [] },
});

interface Doc {
  machine: { date: string };
  quick: boolean;
  benchmarks: Record<string, { ratios: Record<string, number>; run: { machine: { date: string }; quick: boolean } }>;
}
const read = (path: string): Doc => JSON.parse(readFileSync(path, 'utf8')) as Doc;

test('a run of some benchmarks keeps the other benchmarks of the results file, each with the run it came from', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'cyclegan-results-')), 'results.json');
  const noise = summarizeNoise([]);
  writeResults(path, machine('day 1'), FULL_POLICY, false, [result('conv', 1), result('train-step', 2)], noise);
  writeResults(path, machine('day 2'), QUICK_POLICY, true, [result('pipeline', 3)], noise);
  writeResults(path, machine('day 3'), FULL_POLICY, false, [result('conv', 4)], noise);

  const doc = read(path);
  assert.deepEqual(Object.keys(doc.benchmarks), ['conv', 'train-step', 'pipeline']);
  assert.equal(doc.machine.date, 'day 3', 'the top level describes the latest run');
  const runOf = (name: string): [string, boolean, number] => {
    const b = doc.benchmarks[name]!;
    return [b.run.machine.date, b.run.quick, Object.values(b.ratios)[0]!];
  };
  assert.deepEqual(runOf('conv'), ['day 3', false, 4], 'remeasured: replaced');
  assert.deepEqual(runOf('train-step'), ['day 1', false, 2], 'kept from the first run');
  assert.deepEqual(runOf('pipeline'), ['day 2', true, 3]);
});

test('entries of a file written before entries carried their run get the file-level run', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'cyclegan-results-')), 'results.json');
  const old = { machine: { date: 'old' }, policy: FULL_POLICY, quick: false, noise: summarizeNoise([]), benchmarks: { quality: { title: 'q', ratios: {}, rows: [] } } };
  writeFileSync(path, JSON.stringify(old));
  writeResults(path, machine('new'), FULL_POLICY, false, [result('pipeline', 1)], summarizeNoise([]));
  const doc = read(path);
  assert.equal(doc.benchmarks.quality!.run.machine.date, 'old');
  assert.equal(doc.benchmarks.pipeline!.run.machine.date, 'new');
});
