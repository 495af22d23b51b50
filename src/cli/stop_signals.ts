/**
 * Ctrl-C (SIGINT) and SIGTERM (sent by containers and schedulers) ask a run to stop after the current
 * step and write its checkpoint. A second signal does not cut that save short: it says the checkpoint
 * is being written; only a third quits at once (the last checkpoint written before survives, since
 * every write is atomic).
 */
export interface StopSignals {
  /** 130 after SIGINT, 143 after SIGTERM (128 + the signal's number, as shells report it). */
  readonly exitCode: number;
  /** Removes the handlers. */
  dispose(): void;
}

const EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export function installStopSignals(controller: AbortController, say: (line: string) => void): StopSignals {
  let received = 0;
  let first: NodeJS.Signals = 'SIGINT';
  const onSignal = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      first = signal;
      say(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping after this step and writing a checkpoint (Ctrl-C twice more to quit without it)`);
      controller.abort();
    } else if (received === 2) {
      say('still writing the checkpoint; it takes a moment (Ctrl-C once more to quit without it)');
    } else {
      process.exit(EXIT_CODES[first] ?? 130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get exitCode() {
      return EXIT_CODES[first] ?? 130;
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
