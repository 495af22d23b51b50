/**
 * File-system errors that reach the command line (a full disk while saving, a read-only place), said
 * in one line naming the path and the fix instead of "unexpected error" with a stack. Whatever was
 * saved before stays: every write is atomic, so the last good checkpoint survives a failed one.
 */
const FIXES: Record<string, (path: string, code: string) => string> = {
  ENOSPC: (path, code) => `cannot write ${path}: the disk is full (${code}); free space on it (or choose --out elsewhere) and run the same command again: a training run continues from its last checkpoint`,
  EDQUOT: (path, code) => `cannot write ${path}: the disk quota is used up (${code}); free space on it (or choose --out elsewhere) and run the same command again: a training run continues from its last checkpoint`,
  EROFS: (path, code) => `cannot write ${path}: the file system is read-only (${code}); choose --out on a writable disk`,
  EACCES: (path, code) => `cannot write ${path}: permission denied (${code}); choose --out in a folder you can write to, or fix its permissions`,
  EPERM: (path, code) => `cannot write ${path}: operation not permitted (${code}); choose --out in a folder you can write to`,
  EEXIST: (path, code) => `cannot create ${path}: something of that name is in the way (${code}); remove it or choose another --out`,
  ENOTDIR: (path, code) => `cannot use ${path}: part of the path is a file, not a folder (${code}); choose another --out`,
  EISDIR: (path, code) => `cannot write ${path}: it is a folder (${code}); remove it or choose another --out`,
  EMFILE: (path, code) => `cannot open ${path}: too many open files (${code}); raise the limit (ulimit -n) and run again`,
};

/** The one-line message for a Node file-system error with a known code, or null for any other error. */
export function describeFileSystemError(error: unknown): string | null {
  const e = error as NodeJS.ErrnoException | null;
  if (!e || typeof e.code !== 'string' || !Object.hasOwn(FIXES, e.code)) return null;
  return FIXES[e.code]!(e.path ?? (e as { dest?: string }).dest ?? 'a file', e.code);
}
