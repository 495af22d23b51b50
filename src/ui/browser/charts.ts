/**
 * The page's charts: every loss against fractional epoch (with per-loss toggles, smoothing and a log
 * scale), the learning rates, seconds per step, and one chart per quality metric when the log has
 * `metrics` lines. With several runs each loss keeps its colour and each run gets its own dash.
 */
import type { RunSnapshot, StepRow } from '../shared/wire.js';
import { ChartView, type ChartLine } from './chart_view.js';
import { el, fill } from './dom.js';
import { smooth } from './smoothing.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const DASHES: (number[] | undefined)[] = [undefined, [8, 4], [2, 3], [12, 3, 2, 3]];

interface Controls {
  smoothing: number;
  log: boolean;
  hidden: Set<string>;
}

/** Loss names in the order the log first lists them (the model's loss_names order). */
function lossNames(runs: readonly RunSnapshot[]): string[] {
  const names = new Set<string>();
  for (const run of runs) for (const row of run.steps) for (const name of Object.keys(row.losses)) names.add(name);
  return [...names];
}

function runLabel(label: string, run: RunSnapshot, runs: readonly RunSnapshot[]): string {
  return runs.length > 1 ? `${label} · ${run.name}` : label;
}

function stepLines(runs: readonly RunSnapshot[], names: readonly string[], pick: (row: StepRow, name: string) => number | null, weight = 0): ChartLine[] {
  return runs.flatMap((run, r) =>
    names.map((name, i) => ({
      label: runLabel(name, run, runs),
      group: name,
      color: PALETTE[i % PALETTE.length],
      dash: DASHES[r % DASHES.length],
      xs: run.steps.map((row) => row.x),
      ys: smooth(
        run.steps.map((row) => pick(row, name)),
        weight,
      ),
    })),
  );
}

export class Charts {
  readonly losses = new ChartView('', 'loss', 320);
  readonly rates = new ChartView('Learning rates', 'lr', 200);
  readonly timing = new ChartView('Seconds per step', 's/step', 200);
  readonly metrics = new Map<string, ChartView>();
  private controls: Controls = { smoothing: 0, log: false, hidden: new Set() };
  private runs: readonly RunSnapshot[] = [];
  private toggles: HTMLElement;

  constructor(
    private readonly lossSection: HTMLElement,
    private readonly sideSection: HTMLElement,
    private readonly metricsSection: HTMLElement,
  ) {
    this.toggles = el('div', { class: 'toggles', id: 'loss-toggles' });
    const smoothing = el('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: 0, id: 'smoothing' });
    const smoothingValue = el('output', {}, '0');
    smoothing.addEventListener('input', () => {
      this.controls.smoothing = Number(smoothing.value);
      smoothingValue.textContent = smoothing.value;
      this.redraw();
    });
    const log = el('input', { type: 'checkbox', id: 'log-scale' });
    log.addEventListener('change', () => {
      this.controls.log = log.checked;
      this.redraw();
    });
    const toolbar = el('div', { class: 'toolbar' }, this.toggles, el('label', {}, 'smoothing ', smoothing, ' ', smoothingValue), el('label', {}, log, ' log scale'));
    fill(this.lossSection, toolbar, this.losses.element);
    fill(this.sideSection, this.rates.element, this.timing.element);
  }

  update(runs: readonly RunSnapshot[]): void {
    this.runs = runs;
    this.renderToggles();
    this.redraw();
  }

  private renderToggles(): void {
    const names = lossNames(this.runs);
    if (this.toggles.dataset.names === names.join(',')) return;
    this.toggles.dataset.names = names.join(',');
    fill(
      this.toggles,
      ...names.map((name, i) => {
        const box = el('input', { type: 'checkbox', 'data-loss': name, checked: !this.controls.hidden.has(name) });
        box.addEventListener('change', () => {
          if (box.checked) this.controls.hidden.delete(name);
          else this.controls.hidden.add(name);
          this.redraw();
        });
        return el('label', { class: 'toggle', style: `--colour: ${PALETTE[i % PALETTE.length]}` }, box, ` ${name}`);
      }),
    );
  }

  private redraw(): void {
    const runs = this.runs;
    const { smoothing, log, hidden } = this.controls;
    this.losses.update(
      stepLines(runs, lossNames(runs), (row, name) => row.losses[name] ?? null, smoothing),
      { log, hidden },
    );
    this.rates.update(stepLines(runs, ['lrG', 'lrD'], (row, name) => (name === 'lrG' ? row.lrG : row.lrD)));
    this.timing.update(stepLines(runs, ['s/step'], (row) => row.secondsPerStep, smoothing));
    this.redrawMetrics();
  }

  private redrawMetrics(): void {
    const runs = this.runs;
    const keys = [...new Set(runs.flatMap((run) => run.metrics.flatMap((m) => Object.keys(m.values))))].sort();
    this.metricsSection.hidden = keys.length === 0;
    for (const key of keys) {
      let view = this.metrics.get(key);
      if (!view) {
        view = new ChartView(key, key, 180);
        this.metrics.set(key, view);
        this.metricsSection.append(view.element);
      }
      view.update(
        runs.map((run, r) => {
          const rows = run.metrics.filter((m) => m.x !== null && key in m.values);
          return { label: runs.length > 1 ? run.name : key, group: run.name, color: PALETTE[r % PALETTE.length], xs: rows.map((m) => m.x as number), ys: rows.map((m) => m.values[key]) };
        }),
      );
    }
  }
}
