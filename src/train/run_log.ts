/**
 * logs/train.jsonl: the run's history as JSON lines, written by subscribing to the same RunEvent stream
 * that drives the terminal: the start (and each resume), steps every log_frequency, epoch means, saves,
 * interruptions, warnings and the end.
 *
 * One clean history across resumes: a run killed after its last checkpoint had logged steps that the
 * resumed run trains again. On resume the log is cut back to the checkpoint (everything from the
 * first step line beyond its globalStep on is dropped, rewritten atomically) before the resumed run
 * appends its own 'start' line with resumed: true, so every globalStep appears once, in order.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../io/atomic_write.js';
import type { EventSink, RunEvent } from '../io/events.js';

const LOGGED: ReadonlySet<RunEvent['type']> = new Set(['start', 'step', 'epoch', 'saved', 'interrupted', 'warning', 'metrics', 'done']);

/** Drops the lines of steps after `globalStep` (and all that follows them) from the log at `path`. */
export function truncateRunLog(path: string, globalStep: number): void {
  if (!existsSync(path)) return;
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const cut = lines.findIndex((line) => {
    try {
      const e = JSON.parse(line);
      return e.type === 'step' && e.globalStep > globalStep;
    } catch {
      return true; // a half-written last line of a killed run
    }
  });
  if (cut >= 0) writeFileAtomic(path, lines.slice(0, cut).map((l) => l + '\n').join(''));
}

/** An EventSink appending the events worth keeping to `path`; step events only every `logFrequency` steps. */
export function runLogWriter(path: string, logFrequency: number): EventSink {
  mkdirSync(dirname(path), { recursive: true });
  return (event) => {
    if (!LOGGED.has(event.type)) return;
    if (event.type === 'step' && event.globalStep % logFrequency !== 0) return;
    appendFileSync(path, JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n');
  };
}
