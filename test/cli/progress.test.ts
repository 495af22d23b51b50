// The terminal progress line: fitted to the width, moving every step, estimating the whole run, and
// plain lines wherever a progress line would be noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { progressLine, type TrainingPosition } from '../../src/cli/progress_line.js';
import { createRenderer, isInteractive, runEstimate } from '../../src/cli/render.js';
import { train } from '../../src/train/trainer.js';
import { resolveParameters } from '../../src/config/resolve.js';
import type { RunEvent } from '../../src/io/events.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';

const losses = { D_A: 0.25, G_A: 0.5, cycle_A: 3.2, idt_A: 1.5, D_B: 0.26, G_B: 0.45, cycle_B: 3.1, idt_B: 1.4 };
const position: TrainingPosition = { epoch: 3, maxEpoch: 100, step: 12, stepsPerEpoch: 1000, secondsPerStep: 0.98, lrG: 1e-4, losses };

test('the progress line fits every width and keeps epoch, step, s/step, lr and ETA at 80 columns', () => {
  for (let width = 10; width <= 200; width++) assert.ok(progressLine(position, width).length <= width, `width ${width}`);
  const at80 = progressLine(position, 79);
  // 97,988 steps left at 0.98 s/step
  assert.match(at80, /^\[[#.]+\] epoch 3\/100 step 12\/1000 0\.98 s\/step lr 1\.0e-4 ETA 26h40m/);
  const at120 = progressLine(position, 119);
  assert.match(at120, / ETA 26h40m D_A 0\.250 G_A 0\.500/);
  assert.match(progressLine(position, 40), /^epoch 3\/100 step 12\/1000 ETA 26h40m/);
});

test('progress lines only on a terminal that is not dumb, colourless or CI', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  assert.equal(isInteractive(tty, {}), true);
  assert.equal(isInteractive(tty, { NO_COLOR: '' }), false);
  assert.equal(isInteractive(tty, { TERM: 'dumb' }), false);
  assert.equal(isInteractive(tty, { CI: 'true' }), false);
  assert.equal(isInteractive({ isTTY: false } as NodeJS.WriteStream, {}), false);
});

test('the whole-run estimate suggests bf16 and a smaller size only when the run is long', () => {
  // The defaults on this machine's CPU: 100 epochs of 1000 steps at about 1 s each.
  const long = runEstimate({ maxEpoch: 100, stepsPerEpoch: 1000, secondsPerStep: 0.98 }, { precision: 'fp32', image_height: 256, image_width: 256, bf16Hardware: true });
  assert.equal(
    long,
    [
      'whole run: about 27h13m (100 epochs x 1000 steps at 0.98 s/step)',
      '  to shorten it:',
      '  --precision bf16 (about 2x faster on CPUs with AMX),',
      '  smaller --image_height/--image_width than 256x256 (time grows with pixels),',
      '  or fewer --max_epoch',
    ].join('\n'),
  );
  for (const l of long.split('\n')) assert.ok(l.length < 80);
  assert.doesNotMatch(runEstimate({ maxEpoch: 100, stepsPerEpoch: 1000, secondsPerStep: 0.5 }, { precision: 'bf16', image_height: 256, image_width: 256 }), /bf16/);
  assert.equal(runEstimate({ maxEpoch: 2, stepsPerEpoch: 9, secondsPerStep: 0.1 }), 'whole run: about 2s (2 epochs x 9 steps at 0.10 s/step)');
});

test('the hint offers only what can be done: no size below the 32 px minimum, no bf16 without AMX or AVX512_BF16', () => {
  const long = { maxEpoch: 100, stepsPerEpoch: 1000, secondsPerStep: 0.98 };
  // 32x32 is the smallest size the parameters accept (image_height: a power of 2 from 32).
  const atMinimum = runEstimate(long, { precision: 'fp32', image_height: 32, image_width: 32, bf16Hardware: false });
  assert.equal(atMinimum, ['whole run: about 27h13m (100 epochs x 1000 steps at 0.98 s/step)', '  to shorten it:', '  fewer --max_epoch'].join('\n'));
  // One side above the minimum can still shrink.
  assert.match(runEstimate(long, { precision: 'fp32', image_height: 64, image_width: 32, bf16Hardware: false }), /smaller --image_height\/--image_width than 64x32/);
  assert.doesNotMatch(runEstimate(long, { precision: 'fp32', image_height: 256, image_width: 256, bf16Hardware: false }), /bf16/);
  // A single epoch at the minimum size with no bf16: nothing to offer, so no hint at all.
  assert.equal(
    runEstimate({ maxEpoch: 1, stepsPerEpoch: 100000, secondsPerStep: 0.98 }, { precision: 'fp32', image_height: 32, image_width: 32, bf16Hardware: false }),
    'whole run: about 27h13m (1 epoch x 100000 steps at 0.98 s/step)',
  );
});

class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly columns = 80;
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

test('on a terminal the line is redrawn for each step, within the width, and cleared before other output', async () => {
  const terminal = new FakeTerminal();
  const render = createRenderer(terminal as unknown as NodeJS.WriteStream, true);
  render({ type: 'start', startEpoch: 1, startStep: 0, globalStep: 0, maxEpoch: 2, stepsPerEpoch: 4, resumed: false });
  for (let step = 1; step <= 4; step++) {
    render({ type: 'tick', epoch: 1, maxEpoch: 2, step, stepsPerEpoch: 4, secondsPerStep: 0.25, lrG: 1e-4, losses });
    await sleep(250); // slower than the 10 redraws a second the line is limited to
  }
  render({ type: 'info', message: 'a message' });
  render.flush();
  // eslint-disable-next-line no-control-regex
  const drawn = terminal.text.split(/\r|\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]|\n/).filter((s) => s.startsWith('['));
  assert.deepEqual(
    drawn.map((s) => s.match(/step (\d)\/4/)?.[1]),
    ['1', '2', '3', '4'],
  );
  for (const s of drawn) assert.ok(s.length <= 79, s);
  // Nothing of the progress line follows the last output.
  assert.ok(terminal.text.endsWith('a message\n'), JSON.stringify(terminal.text.slice(-80)));
});

test('training reports every step (tick) and logs every log_frequency steps', async () => {
  const events: RunEvent[] = [];
  await train({
    source: fixtures.flat,
    target: fixtures.target,
    out: tempDir(),
    parameters: resolveParameters({ ...tinyParameters, max_epoch: 1, log_frequency: 4 }),
    onEvent: (e) => events.push(e),
  });
  const ticks = events.filter((e) => e.type === 'tick');
  const steps = events.filter((e) => e.type === 'step');
  assert.deepEqual(
    ticks.map((e) => e.type === 'tick' && e.step),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.equal(steps.length, 2);
});
