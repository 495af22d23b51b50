// Messages above the progress line, as seen in tmux at 80 columns: the epoch summary and the saved
// files were cut by the terminal mid-word ("D_B 0|.219"), and a resume was announced twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createRenderer } from '../../src/cli/render.js';
import type { RunEvent } from '../../src/io/events.js';

class Terminal extends Writable {
  readonly isTTY = true;
  constructor(readonly columns: number) {
    super();
  }
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

const meanLosses = { D_A: 0.195, G_A: 0.312, cycle_A: 2.974, idt_A: 0.757, D_B: 0.219, G_B: 0.304, cycle_B: 1.55, idt_B: 1.492 };
const events: RunEvent[] = [
  { type: 'epoch', epoch: 1, maxEpoch: 2, seconds: 39, meanLosses } as RunEvent,
  { type: 'saved', epoch: 2, files: ['/tmp/r9/run80/model/CycleGan_epoch_2.safetensors', '/tmp/r9/run80/model/CycleGan_epoch_2.pb', '/tmp/r9/run80/checkpoints/latest.safetensors'] } as RunEvent,
  { type: 'info', message: 'resuming from /tmp/r9/run80/checkpoints/latest.safetensors at epoch 1 of 2, step 61 of 150 (60 steps done)' },
];

test('on a terminal, messages break between words within its width and keep every word', () => {
  for (const columns of [80, 120]) {
    const terminal = new Terminal(columns);
    const render = createRenderer(terminal as unknown as NodeJS.WriteStream, true);
    for (const e of events) render(e);
    const lines = terminal.text.trimEnd().split('\n');
    for (const l of lines) assert.ok(l.length < columns, `${l.length} >= ${columns}: ${l}`);
    assert.match(terminal.text, /D_B 0\.219/);
    assert.ok(terminal.text.includes('/tmp/r9/run80/model/CycleGan_epoch_2.pb,'));
    // Continuation lines are indented, so each message still reads as one.
    assert.ok(lines.filter((l) => l.startsWith('  ')).length >= (columns === 80 ? 3 : 1));
  }
});

test('a resume is announced once, by the line that names the checkpoint, epoch and step', () => {
  const terminal = new Terminal(120);
  const render = createRenderer(terminal as unknown as NodeJS.WriteStream, true);
  render(events[2]);
  render({ type: 'start', startEpoch: 1, startStep: 60, globalStep: 60, maxEpoch: 2, stepsPerEpoch: 150, resumed: true });
  assert.equal(terminal.text, `${(events[2] as { message: string }).message}\n`);
});
