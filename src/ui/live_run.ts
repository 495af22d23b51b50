/**
 * One run folder as the dashboard sees it: the rows of logs/train.jsonl and its other files, kept
 * current while the run writes them. Everything is rebuilt from the folder, so curves survive resumes
 * and restarts of both the training and the server.
 */
import { basename } from 'node:path';
import { LogTail } from './log_tail.js';
import { readRunFiles, runFilesSignature } from './run_files.js';
import { appendSteps, parseLogLines } from './shared/log_lines.js';
import type { MetricsRow, RunFiles, RunSnapshot, RunState, StepRow, WireMessage } from './shared/wire.js';

export class LiveRun {
  readonly name: string;
  private steps: StepRow[] = [];
  private metrics: MetricsRow[] = [];
  private badLines = 0;
  private state: RunState | null = null;
  private files: RunFiles;
  private signature: string;
  private tail: LogTail;
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param index this run's position on the command line, which messages name it by
   * @param onMessage called with each change; a `null` message means "the log was replaced: resend everything"
   */
  constructor(
    readonly root: string,
    readonly index: number,
    private readonly onMessage: (message: WireMessage | null) => void,
    name = basename(root),
  ) {
    this.name = name;
    this.files = readRunFiles(root);
    this.signature = runFilesSignature(root);
    this.tail = new LogTail(`${root}/logs/train.jsonl`, {
      lines: (lines) => this.addLines(lines),
      reset: () => {
        this.steps = [];
        this.metrics = [];
        this.badLines = 0;
        this.state = null;
        this.onMessage(null);
      },
    });
  }

  /** Reads the folder as it is now, then follows it (log: watch + 500 ms poll; other files: 1 s poll). */
  start(): void {
    this.tail.start();
    this.timer = setInterval(() => this.checkFiles(), 1000);
    this.timer.unref();
  }

  /** Reads what is new in the folder now, without following it. */
  refresh(): void {
    this.tail.poll();
    this.checkFiles();
  }

  stop(): void {
    this.tail.stop();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  snapshot(): RunSnapshot {
    return { name: this.name, path: this.root, steps: [...this.steps], metrics: [...this.metrics], badLines: this.badLines, state: this.state, files: this.files };
  }

  private addLines(lines: string[]): void {
    const lastX = this.steps.length ? this.steps[this.steps.length - 1].x : null;
    const parsed = parseLogLines(lines, lastX);
    appendSteps(this.steps, parsed.steps);
    this.metrics.push(...parsed.metrics);
    this.badLines += parsed.badLines;
    this.state = parsed.state ?? this.state;
    if (parsed.steps.length || parsed.metrics.length || parsed.badLines || parsed.state) {
      this.onMessage({ type: 'append', run: this.index, steps: parsed.steps, metrics: parsed.metrics, badLines: parsed.badLines, state: parsed.state });
    }
  }

  private checkFiles(): void {
    const signature = runFilesSignature(this.root);
    if (signature === this.signature) return;
    this.signature = signature;
    this.files = readRunFiles(this.root);
    this.onMessage({ type: 'files', run: this.index, files: this.files });
  }
}

/** A snapshot of a folder read once, for report.html. */
export function readRunSnapshot(root: string, name = basename(root)): RunSnapshot {
  const run = new LiveRun(root, 0, () => {}, name);
  run.refresh();
  return run.snapshot();
}
