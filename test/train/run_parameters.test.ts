import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Parameters } from '../../src/config/parameters.js';
import { resolveParameters } from '../../src/config/resolve.js';
import type { RunEvent } from '../../src/io/events.js';
import { reconcileResumedParameters } from '../../src/train/run_parameters.js';

test('a checkpoint saved before a parameter existed resumes with the default of its time, without a warning', () => {
  const requested = resolveParameters({ max_epoch: 3 });
  const older: Partial<Parameters> = { ...resolveParameters({ max_epoch: 2 }) };
  delete older.preprocess;
  const events: RunEvent[] = [];
  const resumed = reconcileResumedParameters(older as Parameters, requested, (e) => events.push(e));
  assert.equal(resumed.preprocess, 'resize_and_crop');
  assert.equal(resumed.max_epoch, 3);
  assert.deepEqual(events, []);
});

test('a resumed run keeps the checkpoint\'s preprocess and says it ignored the requested one', () => {
  const saved = resolveParameters({ preprocess: 'resize_and_crop' });
  const events: RunEvent[] = [];
  const resumed = reconcileResumedParameters(saved, resolveParameters({}), (e) => events.push(e));
  assert.equal(resumed.preprocess, 'resize_and_crop');
  assert.equal(events.length, 1);
  assert.match((events[0] as { message: string }).message, /ignored: preprocess \(checkpoint "resize_and_crop", requested "pad_and_crop"\)/);
});
