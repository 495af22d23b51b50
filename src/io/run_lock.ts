/**
 * One process at a time per output folder. Two `train` runs on one OUT both ran to the end and mixed
 * their files (models from one, checkpoint and Data/ from the other); a `predict` into a folder being
 * trained would do the same. The lock is OUT/.cyclegan.lock: JSON with the holder's pid, host, start
 * time and command, created atomically (written to a temporary file, then hard-linked into place,
 * which fails if the lock exists), so a reader never sees half of it.
 *
 * A lock whose pid no longer runs on this host is stale (a run killed with -9, a crash): it is taken
 * over, with a warning. A lock from another host (a shared disk) is never judged stale: it names the
 * host so the user can check there.
 */
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OutputError } from '../errors.js';

export const LOCK_FILE = '.cyclegan.lock';

export interface LockHolder {
  pid: number;
  host: string;
  started: string;
  command: string;
}

export interface RunLock {
  readonly path: string;
  release(): void;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8'));
    return Number.isSafeInteger(h?.pid) && typeof h.host === 'string' ? (h as LockHolder) : null;
  } catch {
    return null;
  }
}

/**
 * Takes the lock of the folder `root` for `command` ('train', 'predict'); throws OutputError naming the
 * holder when another live process has it. `warn` hears about a stale lock taken over.
 */
export function acquireRunLock(root: string, command: string, warn: (message: string) => void): RunLock {
  const path = join(root, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command };
  const temp = join(root, `${LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(temp, JSON.stringify(me) + '\n');
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, path);
        break;
      } catch (error) {
        // A second attempt can meet EEXIST too, when another process took the stale lock over first: it is then the holder.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
      }
      const holder = readHolder(path);
      if (!holder) throw new OutputError(`${root} has a lock file ${path} that cannot be read; if no cyclegan run uses this folder, delete it and run again`);
      if (holder.host !== me.host || isRunning(holder.pid)) {
        throw new OutputError(
          `${root} is in use by cyclegan ${holder.command} (process ${holder.pid} on ${holder.host}, started ${holder.started}); wait for it to finish or choose another --out. If that process is gone, delete ${path}`,
        );
      }
      warn(`taking over the lock of ${root} left by cyclegan ${holder.command} (process ${holder.pid}, started ${holder.started}), which is no longer running`);
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(temp, { force: true });
  }
  // Also on process.exit (a third Ctrl-C quits at once): a lock left behind would only be taken over with a warning.
  const release = () => {
    process.off('exit', release);
    if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return { path, release };
}
