// The run folder's history and housekeeping (issue 9): time-based checkpoints (fault 3), temporary
// files of killed runs removed (fault 6), one clean train.jsonl across a resume with epoch means,
// saves, resumes and the end in it (fault 7), a finished run not redone, --restart, and the resume
// message naming epoch and step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveParameters } from '../../src/config/resolve.js';
import { readCheckpoint } from '../../src/io/checkpoint.js';
import type { RunEvent } from '../../src/io/events.js';
import { train } from '../../src/train/trainer.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';

const base = tempDir();
const crash = new Error('simulated crash');

/** Trains, throwing out of the event sink (as a crash would end the run) at step event `crashAt`. */
async function trainUntil(out: string, parameters: ReturnType<typeof resolveParameters>, crashAt?: number): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  const run = train({
    source: fixtures.flat,
    target: fixtures.target,
    out,
    parameters,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'step' && e.globalStep === crashAt) throw crash;
    },
  });
  if (crashAt === undefined) await run;
  else await assert.rejects(run, (e) => e === crash);
  return events;
}

const logLines = (out: string) =>
  readFileSync(join(out, 'logs', 'train.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

test('checkpoint_minutes writes a resumable checkpoint mid-epoch, and the run resumed from it ends as an uninterrupted one', async () => {
  const parameters = resolveParameters({ ...tinyParameters, save_frequency: 5, checkpoint_minutes: 1e-9 });
  const straight = join(base, 'straight-minutes');
  await trainUntil(straight, parameters);
  const out = join(base, 'minutes');
  const events = await trainUntil(out, parameters, 4);
  const { meta } = readCheckpoint(join(out, 'checkpoints', 'latest.safetensors'));
  assert.deepEqual([meta.progress.epoch, meta.progress.stepInEpoch, meta.progress.globalStep], [0, 3, 3], 'the checkpoint written after step 3 (step 4 crashed before its own)');
  assert.ok(events.some((e) => e.type === 'saved' && e.stepInEpoch === 3));
  await trainUntil(out, parameters);
  assert.ok(readFileSync(join(out, 'checkpoints', 'latest.safetensors')).equals(readFileSync(join(straight, 'checkpoints', 'latest.safetensors'))));
});

test('after a crash and a resume, train.jsonl holds each step once and records the resume, epochs, saves and the end', async () => {
  const parameters = resolveParameters({ ...tinyParameters, max_epoch: 2, save_frequency: 1 });
  const out = join(base, 'history');
  const first = await trainUntil(out, parameters, 12); // epoch 1 checkpointed; steps 10-12 of epoch 2 logged, then the crash
  const stepsPerEpoch = (first.find((e) => e.type === 'start') as { stepsPerEpoch: number }).stepsPerEpoch;
  assert.ok(stepsPerEpoch < 12, 'the crash is in epoch 2');
  const events = await trainUntil(out, parameters);
  const info = events.filter((e) => e.type === 'info').map((e) => (e as { message: string }).message);
  assert.ok(info.includes(`resuming from ${join(out, 'checkpoints', 'latest.safetensors')} at epoch 2 of 2, step 1 of ${stepsPerEpoch} (${stepsPerEpoch} steps done)`), info.join('\n'));

  const lines = logLines(out);
  const steps = lines.filter((l) => l.type === 'step').map((l) => l.globalStep);
  assert.deepEqual(steps, Array.from({ length: 2 * stepsPerEpoch }, (_, i) => i + 1), 'every step once, in order');
  const types = lines.map((l) => l.type);
  assert.deepEqual(
    types.filter((t) => t !== 'step' && t !== 'warning'),
    ['start', 'epoch', 'saved', 'start', 'epoch', 'saved', 'done'],
  );
  const resumed = lines.filter((l) => l.type === 'start')[1];
  assert.deepEqual([resumed.resumed, resumed.startEpoch, resumed.startStep, resumed.globalStep], [true, 2, 0, stepsPerEpoch]);
  assert.ok(Number.isFinite(lines.find((l) => l.type === 'epoch').meanLosses.G_A));
});

test('a finished run is not redone; --restart starts over', async () => {
  const parameters = resolveParameters({ ...tinyParameters, max_epoch: 1 });
  const out = join(base, 'finished');
  await trainUntil(out, parameters);
  const dataTime = statSync(join(out, 'Data')).mtimeMs;
  const again = await trainUntil(out, parameters);
  assert.deepEqual(
    again.map((e) => e.type),
    ['info'],
  );
  assert.match((again[0] as { message: string }).message, /holds a finished run \(epoch 1 of 1, Data\/ and the manifest written\): nothing to do\. Raise --max_epoch to train further, or add --restart to start over$/);
  assert.equal(statSync(join(out, 'Data')).mtimeMs, dataTime);

  writeFileSync(join(out, 'notes.txt'), 'mine');
  const restarted: RunEvent[] = [];
  await train({ source: fixtures.flat, target: fixtures.target, out, parameters, restart: true, onEvent: (e) => restarted.push(e) });
  assert.ok(restarted.some((e) => e.type === 'warning' && e.message.startsWith("--restart: removed the previous run's ")));
  assert.ok(restarted.some((e) => e.type === 'start' && !e.resumed));
  assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine', 'files the run did not write are kept');
  assert.equal(logLines(out).filter((l) => l.type === 'start').length, 1, 'a fresh log');
});

test('temporary files left by a killed run are removed at the next start; other files stay', async () => {
  const out = join(base, 'orphans');
  mkdirSync(join(out, 'checkpoints'), { recursive: true });
  const orphans = [join(out, 'checkpoints', '.latest.safetensors.4242.k3j2h1.tmp'), join(out, '.params.json.77.abc.tmp')];
  for (const f of orphans) writeFileSync(f, 'partial');
  writeFileSync(join(out, 'keep.tmp'), 'user file');
  const events = await trainUntil(out, resolveParameters({ ...tinyParameters, max_epoch: 1 }));
  for (const f of orphans) assert.ok(!existsSync(f), f);
  assert.ok(existsSync(join(out, 'keep.tmp')));
  assert.ok(events.some((e) => e.type === 'info' && e.message.startsWith('removed 2 temporary files left by an interrupted run: ')));
  const leftovers = readdirSync(out, { recursive: true }).map(String).filter((n) => n.endsWith('.tmp'));
  assert.deepEqual(leftovers, ['keep.tmp']);
});
