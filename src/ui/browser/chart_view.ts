/**
 * One uPlot chart that is redrawn as rows arrive: new data goes in with setData; the chart is built
 * again only when its series or its scale change. uPlot comes from the page (served from
 * node_modules by the server, inlined in report.html) as the global `uPlot`.
 */
import type UPlot from 'uplot';
import { alignLines } from './align.js';
import { el } from './dom.js';
import { num } from './format.js';

export interface ChartLine {
  label: string;
  /** Lines with the same group are shown and hidden together (a loss across runs). */
  group: string;
  color: string;
  dash?: number[];
  xs: readonly number[];
  ys: readonly (number | null)[];
}

export interface ChartOptions {
  log?: boolean;
  hidden?: ReadonlySet<string>;
}

function uplot(): typeof UPlot {
  const lib = (globalThis as unknown as { uPlot?: typeof UPlot }).uPlot;
  if (!lib) throw new Error('uPlot did not load');
  return lib;
}

export class ChartView {
  chart: UPlot | null = null;
  private structure = '';
  private groups: string[] = [];
  readonly element: HTMLElement;
  private readonly plot: HTMLElement;

  constructor(
    readonly title: string,
    private readonly yLabel: string,
    private readonly height = 260,
  ) {
    this.plot = el('div', { class: 'plot' });
    this.element = el('figure', { class: 'chart' }, title ? el('figcaption', {}, title) : null, this.plot);
    new ResizeObserver(() => this.chart?.setSize({ width: this.width(), height: this.height })).observe(this.plot);
  }

  private width(): number {
    return Math.max(240, this.plot.clientWidth || 600);
  }

  update(lines: readonly ChartLine[], options: ChartOptions = {}): void {
    const log = options.log ?? false;
    const hidden = options.hidden ?? new Set<string>();
    const ys = lines.map((l) => (log ? l.ys.map((v) => (v !== null && v > 0 ? v : null)) : l.ys));
    const aligned = alignLines(lines.map((l, i) => ({ xs: l.xs, ys: ys[i] })));
    const data = [aligned.x, ...aligned.ys] as UPlot.AlignedData;
    const structure = JSON.stringify([log, lines.map((l) => [l.label, l.color, l.dash])]);
    if (this.chart && structure === this.structure) {
      this.chart.setData(data);
      this.groups.forEach((g, i) => {
        const show = !hidden.has(g);
        if (this.chart && this.chart.series[i + 1].show !== show) this.chart.setSeries(i + 1, { show });
      });
      return;
    }
    this.chart?.destroy();
    this.structure = structure;
    this.groups = lines.map((l) => l.group);
    const U = uplot();
    this.chart = new U(
      {
        width: this.width(),
        height: this.height,
        cursor: { sync: { key: 'epoch' } },
        scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
        axes: [
          { label: 'epoch', stroke: '#444', grid: { stroke: '#eee' } },
          { label: this.yLabel, stroke: '#444', grid: { stroke: '#eee' }, size: 64, values: (_u: UPlot, splits: number[]) => splits.map((v) => num(v)) },
        ],
        series: [
          { label: 'epoch', value: (_u: UPlot, v: number | null) => (v === null ? '–' : v.toFixed(3)) },
          ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 1.5, dash: l.dash, show: !hidden.has(l.group), spanGaps: true, value: (_u: UPlot, v: number | null) => num(v) })),
        ],
      },
      data,
      this.plot,
    );
  }
}
