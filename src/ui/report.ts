/**
 * OUT/report.html: the run as a page that opens from disk with no server and no network. It holds
 * the loss, learning-rate, timing and metrics curves (the chart library and the data inline), the
 * sample sheet of every epoch (linked relatively: samples/ beside the page), the parameters and the
 * validation summary. Training rewrites it after every save and at the end.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic_write.js';
import type { EventSink } from '../io/events.js';
import { bundleBrowserCode } from './bundle.js';
import { readRunSnapshot } from './live_run.js';
import { reportHtml } from './page_html.js';
import type { WireMessage } from './shared/wire.js';
import { readUplot } from './vendor.js';

export function reportPath(outDir: string): string {
  return join(outDir, 'report.html');
}

/** Writes OUT/report.html from what the folder holds now; returns its path. */
export function writeRunReport(outDir: string): string {
  const run = readRunSnapshot(outDir);
  const data: WireMessage = { type: 'snapshot', runs: [run], generatedAt: new Date().toISOString() };
  const uplot = readUplot();
  const path = reportPath(outDir);
  writeFileAtomic(path, reportHtml({ uplotJs: uplot.js, uplotCss: uplot.css, appJs: bundleBrowserCode(), data, title: run.name }));
  return path;
}

/** For the trainer: a report that cannot be written is a warning, never a reason to stop training. */
export function updateRunReport(outDir: string, emit: EventSink): void {
  try {
    writeRunReport(outDir);
  } catch (error) {
    emit({ type: 'warning', message: `could not write ${reportPath(outDir)}: ${(error as Error).message}` });
  }
}
