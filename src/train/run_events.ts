/**
 * One stream of events for the caller (the terminal, the dashboard) and for logs/train.jsonl. The log
 * joins once the run knows it writes the folder (rank 0, parameters settled), so a finished or refused
 * run leaves the log as it was.
 */
import type { EventSink, RunEvent } from '../io/events.js';

export class RunEvents {
  private toLog: EventSink = () => {};

  constructor(private readonly toCaller: EventSink = () => {}) {}

  readonly emit: EventSink = (event: RunEvent) => {
    this.toLog(event);
    this.toCaller(event);
  };

  logTo(sink: EventSink): void {
    this.toLog = sink;
  }
}
