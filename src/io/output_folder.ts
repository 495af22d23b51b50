/**
 * Creating the output folder with messages that name the path and the fix. Node's own
 * mkdirSync(recursive) is not used: on a virtual file system such as /proc it loops forever, and
 * elsewhere it reports a read-only parent as a misleading ENOENT. Creating one level at a time from
 * the deepest existing folder gives the real reason for the first level that cannot be made.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OutputError } from '../errors.js';

const WRITABLE = 'choose --out on a writable disk';

/** Creates `path` (and missing parents); throws OutputError naming the path when it cannot be used as a folder. */
export function ensureOutputFolder(path: string): string {
  const root = resolve(path);
  const missing: string[] = [];
  let existing = root;
  for (;;) {
    const kind = kindOf(existing);
    if (kind === 'folder') break;
    if (kind === 'other') {
      throw new OutputError(
        existing === root ? `--out ${root} is an existing file, not a folder: name a new or existing folder` : `cannot create the output folder ${root}: ${existing} is a file, not a folder; choose another --out`,
      );
    }
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && kindOf(folder) === 'folder') continue; // made meanwhile by someone else
      throw new OutputError(`cannot create the output folder ${root}: ${whyNotCreated(code, dirname(folder))}`);
    }
  }
  return root;
}

function kindOf(path: string): 'folder' | 'other' | 'none' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch {
    return 'none';
  }
}

function whyNotCreated(code: string | undefined, parent: string): string {
  switch (code) {
    case 'EROFS':
      return `${parent} is on a read-only file system (EROFS); ${WRITABLE}`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to create folders in ${parent} (${code}); ${WRITABLE}, or fix its permissions`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk holding ${parent} is full (${code}); free space or ${WRITABLE}`;
    case 'ENOENT':
      // The parent exists (it was just found), so this is a virtual file system such as /proc or /sys.
      return `${parent} does not accept new folders (a virtual or read-only file system); ${WRITABLE}`;
    default:
      return `${code ?? 'unknown error'} while creating a folder in ${parent}; ${WRITABLE}`;
  }
}
