/**
 * The page's copy of every run, rebuilt from a snapshot and kept current by appended rows, the same
 * way the server builds it from the log: one `appendSteps` for both, so resumed runs look alike.
 */
import { appendSteps } from '../shared/log_lines.js';
import type { RunSnapshot, WireMessage } from '../shared/wire.js';

export type Change = 'snapshot' | 'rows' | 'files';

export class RunStore {
  runs: RunSnapshot[] = [];
  generatedAt = '';
  private listeners: ((change: Change, run: number | null) => void)[] = [];

  onChange(listener: (change: Change, run: number | null) => void): void {
    this.listeners.push(listener);
  }

  apply(message: WireMessage): void {
    switch (message.type) {
      case 'snapshot':
        this.runs = message.runs;
        this.generatedAt = message.generatedAt;
        return this.notify('snapshot', null);
      case 'append': {
        const run = this.runs[message.run];
        if (!run) return;
        appendSteps(run.steps, message.steps);
        run.metrics.push(...message.metrics);
        run.badLines += message.badLines;
        run.state = message.state ?? run.state;
        return this.notify('rows', message.run);
      }
      case 'files': {
        const run = this.runs[message.run];
        if (!run) return;
        run.files = message.files;
        return this.notify('files', message.run);
      }
      default:
        // a newer server's message: this page does not know it, and needs nothing from it
        return;
    }
  }

  private notify(change: Change, run: number | null): void {
    for (const listener of this.listeners) listener(change, run);
  }
}
