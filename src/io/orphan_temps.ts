/**
 * Temporary files left by killed runs. Every write goes to `.NAME.PID.RANDOM.tmp` and is renamed into
 * place (atomic_write.ts); a run killed mid-write leaves that file behind, up to a checkpoint's full
 * size (16 of 25 runs killed at random moments did). The next run in the folder removes them, once it
 * holds the folder's lock, so no other writer can be using them.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The names writeFileAtomic and the run lock give their temporary files. */
const TEMP_NAME = /^\..+\.\d+\.[a-z0-9]*\.tmp$/;

/** Removes orphaned temporary files in `root` and its subfolders (not following links); returns their paths. */
export function removeOrphanTemps(root: string, depth = 3): string[] {
  const removed: string[] = [];
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory() && depth > 0) removed.push(...removeOrphanTemps(path, depth - 1));
    else if (entry.isFile() && TEMP_NAME.test(entry.name)) {
      rmSync(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}
