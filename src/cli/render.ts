/**
 * Turns run events into output: on a terminal, a progress bar with ETA redrawn in place;
 * elsewhere (CI, a pipe, a log file), plain timestamped lines.
 */
import type { RunEvent } from '../train/events.js';
import { plural } from './plural.js';

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function lossText(losses: Record<string, number>): string {
  return Object.entries(losses)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(' ');
}

export interface Renderer {
  (event: RunEvent): void;
  /** Ends an in-place line before other output. */
  flush(): void;
}

export function createRenderer(stream: NodeJS.WriteStream = process.stderr, interactive = Boolean(stream.isTTY) && !process.env.CI): Renderer {
  let open = false;
  const line = (text: string) => {
    if (open) stream.write('\n');
    open = false;
    stream.write(interactive ? `${text}\n` : `${new Date().toISOString()} ${text}\n`);
  };
  const redraw = (text: string) => {
    if (!interactive) return line(text);
    stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 120) - 1)}`);
    open = true;
  };
  const render = ((e: RunEvent) => {
    switch (e.type) {
      case 'info':
        return line(e.message);
      case 'warning':
        return line(`warning: ${e.message}`);
      case 'validation':
        line(`validated ${e.domain}: ${e.usable} of ${plural(e.total, 'file')} usable${e.rejected.length ? `, ${e.rejected.length} skipped` : ''}`);
        for (const r of e.rejected.slice(0, 10)) line(`  skipped ${r.path}: ${r.reason}`);
        if (e.rejected.length > 10) line(`  ... ${e.rejected.length - 10} more in validation_report.json`);
        return;
      case 'start':
        return line(`${e.resumed ? 'resuming' : 'training'} from epoch ${e.startEpoch} of ${e.maxEpoch}, ${plural(e.stepsPerEpoch, 'step')} per epoch`);
      case 'step': {
        const done = (e.epoch - 1) * e.stepsPerEpoch + e.step;
        const total = e.maxEpoch * e.stepsPerEpoch;
        const head = `epoch ${e.epoch}/${e.maxEpoch} step ${e.step}/${e.stepsPerEpoch}`;
        const tail = `${e.secondsPerStep.toFixed(2)} s/step, ETA ${duration(e.etaSeconds)}`;
        return interactive ? redraw(`${bar(done / total)} ${head} ${tail} | ${lossText(e.losses)}`) : line(`${head} | ${lossText(e.losses)} | lr ${e.lrG.toExponential(2)} | ${tail}`);
      }
      case 'epoch':
        return line(`epoch ${e.epoch}/${e.maxEpoch} done in ${duration(e.seconds)} | mean ${lossText(e.meanLosses)}`);
      case 'saved':
        return line(`saved epoch ${e.epoch}${e.stepInEpoch ? ` step ${e.stepInEpoch}` : ''}: ${e.files.join(', ')}`);
      case 'interrupted':
        return line(`interrupted: checkpoint written to ${e.checkpoint}; run the same command again to continue`);
      case 'generate':
        return interactive && e.done < e.total ? redraw(`${bar(e.done / e.total)} translating ${e.done}/${e.total}, ETA ${duration(e.etaSeconds)}`) : e.done === e.total ? line(`translated ${plural(e.total - e.skipped, 'image')}${e.skipped ? ` (${e.skipped} skipped)` : ''}`) : undefined;
      case 'transfer': {
        const verb = e.direction === 'download' ? 'downloaded' : 'uploaded';
        const text = `${verb} ${e.done}/${e.total} files (${(e.bytes / 1e6).toFixed(1)} MB) ${e.direction === 'download' ? 'from' : 'to'} ${e.url}`;
        return e.done === e.total ? line(text) : interactive ? redraw(`${bar(e.done / e.total)} ${text}`) : undefined;
      }
      case 'done':
        return line(`done in ${duration(e.seconds)}: ${plural(e.generated, 'image')} in ${e.outDir}/Data, manifest ${e.outDir}/output_0.manifest`);
    }
  }) as Renderer;
  render.flush = () => {
    if (open) stream.write('\n');
    open = false;
  };
  return render;
}
