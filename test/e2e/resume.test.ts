// Resume after an interruption (mid-epoch and at an epoch boundary) ends with the same weights,
// optimizer state and pools as an uninterrupted run with the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveParameters } from '../../src/config/resolve.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { train } from '../../src/train/trainer.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';

const parameters = resolveParameters({ ...tinyParameters, max_epoch: 3, save_frequency: 3, batch_size: 2 });

async function interruptedRun(out: string, stopAtGlobalStep: number): Promise<void> {
  const controller = new AbortController();
  const first = await train({
    source: fixtures.flat,
    target: fixtures.target,
    out,
    parameters,
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'step' && e.globalStep === stopAtGlobalStep) controller.abort();
    },
  });
  assert.equal(first.completed, false, 'the first run should stop early');
  const second = await train({ source: fixtures.flat, target: fixtures.target, out, parameters });
  assert.equal(second.completed, true);
}

test('an interrupted and resumed run equals an uninterrupted one', async () => {
  const base = tempDir();
  const straight = join(base, 'straight');
  await train({ source: fixtures.flat, target: fixtures.target, out: straight, parameters });
  const expected = readSafetensors(join(straight, 'checkpoints', 'latest.safetensors')).tensors;

  for (const stopAt of [2, 5]) {
    const out = join(base, `stopped-at-${stopAt}`);
    await interruptedRun(out, stopAt);
    const actual = readSafetensors(join(out, 'checkpoints', 'latest.safetensors')).tensors;
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
    for (const [name, t] of expected) {
      assert.deepEqual(actual.get(name)!.data, t.data, `${name} differs after resuming from step ${stopAt}`);
    }
  }
});
