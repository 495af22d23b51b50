/**
 * The dashboard page. Live (served by `cyclegan ui` or `train --ui`): it receives a snapshot of every
 * run and then each new log row over Server-Sent Events, reconnecting by itself and starting over from
 * a fresh snapshot. In report.html the same code reads one snapshot embedded in the page.
 */
import type { WireMessage } from '../shared/wire.js';
import { Charts } from './charts.js';
import { byId, el, fill } from './dom.js';
import { SamplesView } from './samples.js';
import { renderStatus } from './status.js';
import { RunStore, type Change } from './store.js';
import { renderParameters, renderValidation } from './tables.js';
import { TranslatePanel } from './translate.js';

const embedded = document.getElementById('cyclegan-data');
const mode = embedded ? 'report' : 'live';
const store = new RunStore();
const charts = new Charts(byId('losses'), byId('side-charts'), byId('metrics'));
const samplesContainer = byId('samples');
const samples: SamplesView[] = [];
const sampleUrl = (run: number, name: string) => (mode === 'report' ? `samples/${encodeURIComponent(name)}` : `run/${run}/samples/${encodeURIComponent(name)}`);
const translate = new TranslatePanel(byId('translate'), {
  ortBase: mode === 'live' ? new URL('vendor/ort/', location.href).href : null,
  modelUrl: (run, name) => `run/${run}/model/${encodeURIComponent(name)}`,
});

(window as unknown as { cyclegan: object }).cyclegan = { mode, store, charts };

function renderSamples(): void {
  const runs = store.runs;
  if (samples.length !== runs.length) {
    samples.length = 0;
    runs.forEach((_, r) => samples.push(new SamplesView(r, sampleUrl)));
    fill(samplesContainer, ...samples.flatMap((view, r) => [runs.length > 1 ? el('h3', {}, runs[r].name) : null, view.element]));
  }
  runs.forEach((run, r) => samples[r].update(run));
}

let pending = new Set<Change>();
function render(): void {
  const changes = pending;
  pending = new Set();
  const all = changes.has('snapshot');
  const runs = store.runs;
  if (all || changes.has('rows')) {
    renderStatus(byId('status'), runs, mode === 'live');
    charts.update(runs);
  }
  if (all || changes.has('files')) {
    renderSamples();
    translate.update(runs);
    renderParameters(byId('params'), runs);
    renderValidation(byId('validation'), runs);
  }
  document.title = `cyclegan · ${runs.map((r) => r.name).join(', ')}`;
}

// Rows may arrive many times a second; the page redraws once per frame at most.
store.onChange((change) => {
  if (pending.size === 0) requestAnimationFrame(render);
  pending.add(change);
});

function setConnection(text: string, state: string): void {
  const node = byId('connection');
  node.textContent = text;
  node.dataset.state = state;
}

function connect(): void {
  const source = new EventSource('api/events');
  source.onopen = () => setConnection('live', 'live');
  source.onmessage = (event) => store.apply(JSON.parse(event.data) as WireMessage);
  source.onerror = () => {
    setConnection('reconnecting…', 'lost');
    // EventSource retries by itself unless the server refused (closed state): then start again.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
  };
}

if (embedded) {
  store.apply(JSON.parse(embedded.textContent ?? '{}') as WireMessage);
  setConnection(`report written ${new Date(store.generatedAt).toLocaleString()}`, 'report');
} else {
  connect();
  setInterval(() => renderStatus(byId('status'), store.runs, true), 5000);
}
