/**
 * Taking an output folder for a run: create it (with messages naming the path and the fix), lock it
 * against a second process, remove the temporary files of killed runs, and with `restart` remove the
 * previous run's outputs. The caller releases the lock when it is done.
 */
import { ensureOutputFolder } from './output_folder.js';
import { removeOrphanTemps } from './orphan_temps.js';
import { acquireRunLock, type RunLock } from './run_lock.js';
import type { EventSink } from './events.js';
import { removePreviousRun } from './restart.js';
import { runFolder, type RunFolder } from './run_folder.js';

export function openRunFolder(out: string, command: 'train' | 'predict', emit: EventSink, restart = false): { folder: RunFolder; lock: RunLock } {
  const folder = runFolder(ensureOutputFolder(out));
  const lock = acquireRunLock(folder.root, command, (message) => emit({ type: 'warning', message }));
  const orphans = removeOrphanTemps(folder.root);
  if (orphans.length) emit({ type: 'info', message: `removed ${orphans.length === 1 ? 'a temporary file' : `${orphans.length} temporary files`} left by an interrupted run: ${orphans.join(', ')}` });
  if (restart) {
    const removed = removePreviousRun(folder);
    if (removed.length) emit({ type: 'warning', message: `--restart: removed the previous run's ${removed.join(', ')}` });
  }
  return { folder, lock };
}
