// Reading logs/train.jsonl for the dashboard: step lines become rows at the right fractional epoch,
// metrics lines keep every numeric field, other writers' events are skipped, a resumed run replaces
// the steps after its checkpoint, and truncated or hostile lines never throw.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendSteps, parseLogLines } from '../../src/ui/shared/log_lines.js';
import { Rng } from '../../src/engine/rng.js';

const losses = { D_A: 0.25, G_A: 0.5, cycle_A: 3, idt_A: 1.5, D_B: 0.2, G_B: 0.6, cycle_B: 2.5, idt_B: 1.25 };
const stepLine = (epoch: number, step: number, globalStep: number, extra: object = {}) =>
  JSON.stringify({ time: '2026-01-01T00:00:00.000Z', type: 'step', epoch, maxEpoch: 4, step, stepsPerEpoch: 8, globalStep, losses, lrG: 1e-4, lrD: 2e-4, secondsPerStep: 0.5, imagesPerSecond: 4, etaSeconds: 10, ...extra });

describe('parseLogLines', () => {
  test('a step line becomes a row at (epoch - 1) + step / stepsPerEpoch with every field', () => {
    const { steps, metrics, badLines } = parseLogLines([stepLine(2, 2, 10)]);
    assert.equal(badLines, 0);
    assert.equal(metrics.length, 0);
    assert.deepEqual(steps, [{ x: 1.25, epoch: 2, maxEpoch: 4, step: 2, stepsPerEpoch: 8, globalStep: 10, losses, lrG: 1e-4, lrD: 2e-4, secondsPerStep: 0.5, etaSeconds: 10, time: '2026-01-01T00:00:00.000Z' }]);
  });

  test('metrics lines keep all numeric fields, nested ones flattened, and sit at their epoch', () => {
    const line = JSON.stringify({ type: 'metrics', epoch: 3, fid: 41.5, kid: { AtoB: 0.012, BtoA: 'n/a' }, note: 'x', images: 100 });
    const { metrics } = parseLogLines([stepLine(1, 8, 8), line]);
    assert.deepEqual(metrics, [{ x: 3, values: { fid: 41.5, 'kid.AtoB': 0.012, images: 100 }, time: null }]);
    const noEpoch = parseLogLines([JSON.stringify({ type: 'metrics', score: 2 })], 1.5).metrics;
    assert.deepEqual(noEpoch, [{ x: 1.5, values: { score: 2 }, time: null }], 'a metrics line without epoch sits at the last step');
  });

  test('unknown event types are skipped; non-objects and malformed steps are counted as bad', () => {
    const { steps, badLines } = parseLogLines([
      JSON.stringify({ type: 'saved', epoch: 1, files: [] }),
      JSON.stringify({ type: 'something-new', value: 1 }),
      '[1,2,3]',
      'null',
      '"text"',
      '{"type":"step","epoch":"one","step":1,"stepsPerEpoch":8}',
      '{"type":"step","epoch":1,"step":1,"stepsPerEpoch":0}',
      '{not json',
      '',
      stepLine(1, 1, 1),
    ]);
    assert.equal(steps.length, 1);
    assert.equal(badLines, 6);
  });

  test('the last start, interrupted or done line tells whether the run is going, stopped or over', () => {
    const start = JSON.stringify({ time: 't0', type: 'start', startEpoch: 1, maxEpoch: 4, stepsPerEpoch: 8, resumed: false });
    const stopped = JSON.stringify({ time: 't1', type: 'interrupted', epoch: 1, stepInEpoch: 3, checkpoint: 'x' });
    assert.deepEqual(parseLogLines([start, stepLine(1, 1, 1)]).state, { type: 'start', time: 't0' });
    assert.deepEqual(parseLogLines([start, stepLine(1, 1, 1), stopped]).state, { type: 'interrupted', time: 't1' });
    assert.deepEqual(parseLogLines([stopped, start.replace('t0', 't2')]).state, { type: 'start', time: 't2' });
    assert.equal(parseLogLines([stepLine(1, 1, 1)]).state, null);
  });

  test('fields of the wrong type become null (losses keep only finite numbers)', () => {
    const row = parseLogLines([stepLine(1, 4, 4, { lrG: 'fast', secondsPerStep: null, losses: { D_A: 1, G_A: 'NaN', cycle_A: [1] }, time: 5 })]).steps[0];
    assert.equal(row.lrG, null);
    assert.equal(row.secondsPerStep, null);
    assert.equal(row.time, null);
    assert.deepEqual(row.losses, { D_A: 1 });
  });

  test('truncated and random lines never throw (fuzz, 2000 cases)', () => {
    const rng = new Rng(7);
    const whole = [stepLine(1, 1, 1), JSON.stringify({ type: 'metrics', epoch: 1, fid: 3 })].join('\n');
    for (let i = 0; i < 1000; i++) {
      const cut = whole.slice(0, Math.floor(rng.next() * whole.length));
      assert.doesNotThrow(() => parseLogLines(cut.split('\n')));
      const bytes = Array.from({ length: 1 + Math.floor(rng.next() * 80) }, () => String.fromCharCode(Math.floor(rng.next() * 128))).join('');
      assert.doesNotThrow(() => parseLogLines([bytes, `{"type":"step",${bytes}}`, `{"type":"metrics","epoch":${bytes}}`]));
    }
    const deep = `{"type":"metrics","a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    assert.doesNotThrow(() => parseLogLines([deep, '{"type":"step","__proto__":{"epoch":1},"step":1,"stepsPerEpoch":1}']));
  });
});

describe('appendSteps', () => {
  const row = (globalStep: number) => parseLogLines([stepLine(1, globalStep, globalStep)]).steps[0];

  test('keeps rows in log order', () => {
    const rows = [row(1)];
    assert.equal(appendSteps(rows, [row(2), row(3)]), 0);
    assert.deepEqual(
      rows.map((r) => r.globalStep),
      [1, 2, 3],
    );
  });

  test('a resumed run that logs from an earlier step replaces the rows from there on', () => {
    const rows = [row(1), row(2), row(3), row(4), row(5)];
    assert.equal(appendSteps(rows, [row(3), row(4)]), 3);
    assert.deepEqual(
      rows.map((r) => r.globalStep),
      [1, 2, 3, 4],
    );
  });
});
