/** The line per run at the top: where it is (epoch, step), how fast, how long to go, how fresh. */
import type { RunSnapshot } from '../shared/wire.js';
import { el, fill } from './dom.js';
import { ago, duration, num } from './format.js';

function runStatus(run: RunSnapshot, live: boolean): HTMLElement {
  const last = run.steps[run.steps.length - 1];
  const item = (label: string, value: string, cls = '') => el('span', { class: `stat ${cls}` }, el('small', {}, label), ' ', value);
  if (!last) return el('div', { class: 'run-status' }, el('strong', {}, run.name), item('', 'no step logged yet'));
  const finished = run.state?.type === 'done' || (last.epoch >= last.maxEpoch && last.step >= last.stepsPerEpoch);
  const stopped = run.state?.type === 'interrupted';
  return el(
    'div',
    { class: 'run-status', 'data-run': run.name },
    el('strong', { title: run.path }, run.name),
    item('epoch', `${last.epoch} / ${last.maxEpoch}`, 'epoch'),
    item('step', `${last.step} / ${last.stepsPerEpoch}`, 'step'),
    item('s/step', num(last.secondsPerStep)),
    finished ? item('', 'training finished', 'eta') : stopped ? item('', 'interrupted: the same train command continues it', 'eta') : item('ETA', duration(last.etaSeconds), 'eta'),
    item('last log', !last.time ? '?' : live ? ago(last.time) : new Date(last.time).toLocaleString(), 'age'),
    run.badLines ? item('unreadable log lines', String(run.badLines), 'warn') : null,
  );
}

/** `live`: times as "12s ago", else (report.html, read any time later) as dates. */
export function renderStatus(container: HTMLElement, runs: readonly RunSnapshot[], live: boolean): void {
  fill(container, ...runs.map((run) => runStatus(run, live)));
}
