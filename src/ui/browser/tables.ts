/** The parameters (one column per run, values changed from the default marked) and the validation summary. */
import type { RunSnapshot } from '../shared/wire.js';
import { el, fill } from './dom.js';

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function renderParameters(container: HTMLElement, runs: readonly RunSnapshot[]): void {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.files.params?.parameters ?? {})))];
  if (names.length === 0) {
    fill(container, el('p', { class: 'empty' }, 'no params.json yet'));
    return;
  }
  const head = el('tr', {}, el('th', {}, 'parameter'), ...runs.map((run) => el('th', {}, run.name)));
  const rows = names.map((name) =>
    el(
      'tr',
      {},
      el('td', {}, name),
      ...runs.map((run) => {
        const p = run.files.params;
        const changed = p?.changed.includes(name) ?? false;
        return el('td', { class: changed ? 'changed' : '', title: changed ? 'changed from the default' : 'default' }, p && name in p.parameters ? show(p.parameters[name]) : '');
      }),
    ),
  );
  fill(container, el('table', { class: 'params' }, el('thead', {}, head), el('tbody', {}, ...rows)), el('p', { class: 'note' }, el('span', { class: 'changed' }, 'marked'), ' values differ from the default.'));
}

interface DomainReport {
  input?: string;
  total?: number;
  usable?: number;
  rejected?: { path?: string; reason?: string }[];
}

const MAX_LISTED = 50;

function domainSummary(name: string, value: unknown): HTMLElement {
  const d = (value && typeof value === 'object' ? value : {}) as DomainReport;
  const rejected = Array.isArray(d.rejected) ? d.rejected : [];
  return el(
    'div',
    { class: 'domain' },
    el('h4', {}, `${name}: ${d.usable ?? '?'} of ${d.total ?? '?'} files used`),
    d.input ? el('div', { class: 'path' }, String(d.input)) : null,
    rejected.length
      ? el(
          'ul',
          { class: 'rejected' },
          ...rejected.slice(0, MAX_LISTED).map((r) => el('li', {}, el('code', {}, String(r.path ?? '?').split('/').pop() ?? ''), ' ', String(r.reason ?? ''))),
          rejected.length > MAX_LISTED ? el('li', {}, `… and ${rejected.length - MAX_LISTED} more (see validation_report.json)`) : null,
        )
      : el('p', { class: 'empty' }, 'no file rejected'),
  );
}

export function renderValidation(container: HTMLElement, runs: readonly RunSnapshot[]): void {
  fill(
    container,
    ...runs.map((run) => {
      const domains = run.files.validation;
      return el('div', { class: 'validation' }, runs.length > 1 ? el('h3', {}, run.name) : null, ...(domains ? Object.entries(domains).map(([name, v]) => domainSummary(name, v)) : [el('p', { class: 'empty' }, 'no validation_report.json')]));
    }),
  );
}
