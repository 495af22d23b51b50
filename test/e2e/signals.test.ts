// Ctrl-C and SIGTERM on a real process, once batches come from the decoded-image cache (epoch 2):
// the run stops within two steps of the signal, writes a checkpoint and exits 130 (SIGTERM: 143);
// a second Ctrl-C while it saves does not lose the checkpoint; the same command then ends with the
// same bytes as an uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../src/io/checkpoint.js';
import { fixtures } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';
import { runAndSignal, runCli, tinyFlags, writeImageFolder } from '../helpers/cli_run.js';

const base = tempDir();
const source = join(base, 'source');
const args = (out: string) => ['train', '--source', source, '--target', fixtures.target, '--out', out, ...tinyFlags, '--max_epoch', '2', '--log_frequency', '1', '--save_frequency', '5'];
const finalState = (out: string) => readFileSync(join(out, 'checkpoints', 'latest.safetensors'));

test('signals stop a warm-cache epoch within two steps and the rerun is bit-identical', async (t) => {
  await writeImageFolder(source, 40);
  const straight = join(base, 'straight');
  const reference = runCli(args(straight));
  assert.equal(reference.status, 0, reference.stderr);
  const expected = finalState(straight);

  const cases: { name: string; signals: NodeJS.Signals[]; code: number }[] = [
    { name: 'SIGINT', signals: ['SIGINT'], code: 130 },
    { name: 'SIGTERM', signals: ['SIGTERM'], code: 143 },
    { name: 'a second Ctrl-C during the save', signals: ['SIGINT', 'SIGINT'], code: 130 },
  ];
  for (const c of cases) {
    await t.test(c.name, async (st) => {
      const out = join(base, c.name.replace(/\W+/g, '_'));
      // Epoch 2: every image is already in the decoded cache, so no batch waits for a file.
      const run = await runAndSignal(args(out), /epoch 2\/2 step 3\/40/, c.signals, 1);
      assert.equal(run.code, c.code, run.stderr);
      assert.match(run.stderr, /interrupted: checkpoint written to .*latest\.safetensors/);
      const { meta } = readCheckpoint(join(out, 'checkpoints', 'latest.safetensors'));
      assert.equal(meta.progress.epoch, 1, 'stopped inside epoch 2');
      assert.ok(meta.progress.stepInEpoch >= 3 && meta.progress.stepInEpoch <= 5, `stopped at step ${meta.progress.stepInEpoch} of epoch 2, ${run.msAfterSignal} ms after the signal at step 3`);
      const stepSeconds = [...run.stderr.matchAll(/([\d.]+) s\/step/g)].map((m) => Number(m[1])).at(-1);
      st.diagnostic(`stopped at step ${meta.progress.stepInEpoch} of epoch 2, exit ${run.msAfterSignal} ms after the signal at step 3 (${stepSeconds} s/step)`);
      const again = runCli(args(out));
      assert.equal(again.status, 0, again.stderr);
      assert.ok(finalState(out).equals(expected), 'the continued run ends with the same checkpoint bytes as an uninterrupted one');
    });
  }
});
