/**
 * Turns run events into output. On a terminal: one progress line (cli-progress) that moves every step,
 * fitted to the terminal's width and redrawn in place; other messages are printed above it, and it is
 * cleared before anything else is written. Elsewhere (a pipe, a log file, CI, NO_COLOR, TERM=dumb):
 * plain timestamped lines, one every log_frequency steps.
 */
import cliProgress from 'cli-progress';
import type { RunEvent } from '../io/events.js';
import { plural } from './plural.js';
import { wrap } from './wrap.js';
import { bf16HardwareOf, readCpuFlags } from '../engine/bf16_support.js';
import { duration, progressLine, stepCounts } from './progress_line.js';

function lossText(losses: Record<string, number>): string {
  return Object.entries(losses)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(' ');
}

/** Steps timed before the whole run's duration is estimated (the first one includes warm-up). */
const STEPS_BEFORE_ESTIMATE = 3;
/** Runs estimated longer than this get a hint on how to make them shorter. */
const LONG_RUN_SECONDS = 3600;

export interface Renderer {
  (event: RunEvent): void;
  /** Clears the progress line before other output (an error, the Ctrl-C notice). */
  flush(): void;
  /** What the hint for a long run can suggest (bf16 only where the run is not already using it). */
  setRun(run: RunShape): void;
}

/** A progress line only on a terminal that is not marked dumb, colourless or CI. */
export function isInteractive(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.CI && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

/** What the long-run hint may offer: only what this run can still change. */
export interface RunShape {
  precision: string;
  image_height: number;
  image_width: number;
  /** Whether bf16 would be fast here (a CPU with AMX or AVX512_BF16); without it bf16 only slows a run down. */
  bf16Hardware?: boolean;
}

/** The smallest image_height/image_width the parameters accept (parameters.ts): no hint suggests less. */
const SMALLEST_SIZE = 32;

/**
 * The lines printed once the first steps are timed: the whole run's duration, and what shortens a long
 * one. Each line stays under 80 columns.
 */
export function runEstimate(e: { maxEpoch: number; stepsPerEpoch: number; secondsPerStep: number }, run?: RunShape): string {
  const whole = e.maxEpoch * e.stepsPerEpoch * e.secondsPerStep;
  const lines = [`whole run: about ${duration(whole)} (${plural(e.maxEpoch, 'epoch')} x ${plural(e.stepsPerEpoch, 'step')} at ${e.secondsPerStep.toFixed(2)} s/step)`];
  if (whole > LONG_RUN_SECONDS) {
    const offers: string[] = [];
    if (run?.precision !== 'bf16' && run?.bf16Hardware) offers.push('--precision bf16 (about 2x faster on CPUs with AMX)');
    if (!run) offers.push('smaller --image_height/--image_width (time grows with pixels)');
    else if (run.image_height > SMALLEST_SIZE || run.image_width > SMALLEST_SIZE) {
      offers.push(`smaller --image_height/--image_width than ${run.image_height}x${run.image_width} (time grows with pixels)`);
    }
    if (e.maxEpoch > 1) offers.push('fewer --max_epoch');
    if (offers.length) {
      lines.push('  to shorten it:');
      offers.forEach((o, i) => lines.push(`  ${i === offers.length - 1 && i > 0 ? 'or ' : ''}${o}${i < offers.length - 1 ? ',' : ''}`));
    }
  }
  return lines.join('\n');
}

export function createRenderer(stream: NodeJS.WriteStream = process.stderr, interactive = isInteractive(stream)): Renderer {
  let bar: cliProgress.SingleBar | null = null;
  let current: (width: number) => string = () => '';
  let run: Parameters<Renderer['setRun']>[0] | undefined;
  let ticks = 0;

  const clear = () => {
    bar?.stop();
    bar = null;
  };
  const fitted = (text: string) =>
    text
      .split('\n')
      .map((l) => {
        const indent = /^\s*/.exec(l)![0];
        return wrap(l.slice(indent.length), Math.max(40, (stream.columns || 80) - 1), indent, `${indent}  `);
      })
      .join('\n');
  const line = (text: string) => {
    clear();
    // On a terminal, long messages break between words instead of where the terminal cuts them.
    stream.write(interactive ? `${fitted(text)}\n` : text.replace(/^/gm, `${new Date().toISOString()} `) + '\n');
  };
  const show = (text: (width: number) => string, value: number, total: number) => {
    current = text;
    if (!bar) {
      bar = new cliProgress.SingleBar({
        stream,
        // One column short of the width, so the terminal never wraps the line.
        format: (_options, params) => current(Math.max(1, params.maxWidth - 1)),
        clearOnComplete: true,
        hideCursor: false,
        gracefulExit: false,
        // Autowrap off while the line is shown: a terminal made narrower cuts it instead of leaving wrapped fragments.
        linewrap: false,
        fps: 10,
      });
      bar.start(total, value);
    } else bar.update(value);
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
        ticks = 0;
        // A resume was announced with its checkpoint, epoch and step (the trainer's info just before).
        if (e.resumed) return;
        return line(`${e.resumed ? 'resuming' : 'training'} from epoch ${e.startEpoch} of ${e.maxEpoch}, ${plural(e.stepsPerEpoch, 'step')} per epoch`);
      case 'tick': {
        ticks++;
        const { total, done } = stepCounts(e);
        if (ticks === STEPS_BEFORE_ESTIMATE || (ticks < STEPS_BEFORE_ESTIMATE && done === total)) line(runEstimate(e, run));
        if (interactive) show((width) => progressLine(e, width), done, total);
        return;
      }
      case 'step': {
        if (interactive) return;
        const head = `epoch ${e.epoch}/${e.maxEpoch} step ${e.step}/${e.stepsPerEpoch}`;
        return line(`${head} | ${lossText(e.losses)} | lr ${e.lrG.toExponential(2)} | ${e.secondsPerStep.toFixed(2)} s/step, ETA ${duration(e.etaSeconds)}`);
      }
      case 'epoch':
        return line(`epoch ${e.epoch}/${e.maxEpoch} done in ${duration(e.seconds)} | mean ${lossText(e.meanLosses)}`);
      case 'saved':
        return line(`saved epoch ${e.epoch}${e.stepInEpoch ? ` step ${e.stepInEpoch}` : ''}: ${e.files.join(', ')}`);
      case 'interrupted':
        return line(`interrupted: checkpoint written to ${e.checkpoint}; run the same command again to continue`);
      case 'generate':
        if (e.done === e.total) return line(`translated ${plural(e.total - e.skipped, 'image')}${e.skipped ? ` (${e.skipped} skipped)` : ''}`);
        if (interactive) show((width) => `translating ${e.done}/${e.total}, ETA ${duration(e.etaSeconds)}`.slice(0, width), e.done, e.total);
        return;
      case 'tiles':
        if (e.done === e.total) return line(`${e.image}: ${e.total} tiles done`);
        if (interactive) show((width) => `${e.image}: tile ${e.done}/${e.total}, ETA ${duration(e.etaSeconds)}`.slice(0, width), e.done, e.total);
        return;
      case 'metrics': {
        const scores = Object.entries(e.scores).map(([space, m]) => `${space} KID* ${m.kid.toFixed(4)} ± ${m.kidStd.toFixed(4)} FID* ${m.fid.toFixed(2)}`);
        return line(`epoch ${e.epoch} metrics (${e.images.fake} translated vs ${e.images.real} real): ${scores.join(' | ')} | best epoch ${e.bestEpoch}`);
      }
      case 'transfer': {
        const text = `${e.direction === 'download' ? 'downloaded' : 'uploaded'} ${e.done}/${plural(e.total, 'file')} (${(e.bytes / 1e6).toFixed(1)} MB) ${e.direction === 'download' ? 'from' : 'to'} ${e.url}`;
        if (e.done === e.total) return line(text);
        if (interactive) show((width) => text.slice(0, width), e.done, e.total);
        return;
      }
      case 'done':
        return line(`done in ${duration(e.seconds)}: ${plural(e.generated, 'image')} in ${e.outDir}/Data, manifest ${e.outDir}/output_0.manifest`);
    }
  }) as Renderer;
  render.flush = clear;
  render.setRun = (r) => {
    run = { ...r, bf16Hardware: r.bf16Hardware ?? bf16HardwareOf(readCpuFlags()) !== null };
  };
  return render;
}
