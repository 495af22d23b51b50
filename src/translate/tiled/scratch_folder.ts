/**
 * Where tiled translation keeps its scratch files, and what it says when that place is full. Scratch files
 * hold what does not fit --max_memory (activations, the decoded input, the 8-bit output), so they must be on
 * a disk: a temporary folder on tmpfs lives in RAM, and using it would spend the memory the budget saves.
 */
import { readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve, sep } from 'node:path';
import { OutputError } from '../../errors.js';

/** File systems whose files live in memory. */
const IN_MEMORY = new Set(['tmpfs', 'ramfs']);

/** /proc/mounts escapes a space, tab, newline and backslash in a mount point as octal (\040 ...). */
const unescapeMount = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** The type of the file system holding `path`, from the mount table's text (the longest mount point that contains it); null if none does. */
export function fileSystemType(path: string, mounts: string): string | null {
  const absolute = resolve(path);
  let best: { point: string; type: string } | null = null;
  for (const line of mounts.split('\n')) {
    const [, pointField, type] = line.split(' ');
    if (pointField === undefined || type === undefined) continue;
    const point = unescapeMount(pointField);
    const contains = point === '/' || absolute === point || absolute.startsWith(point.endsWith(sep) ? point : point + sep);
    if (contains && (best === null || point.length >= best.point.length)) best = { point, type };
  }
  return best?.type ?? null;
}

function readMounts(): string {
  try {
    return readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return ''; // not Linux: no mount table to read, keep the temporary folder
  }
}

/**
 * The scratch folder for translating into `target`: --scratch_dir when given; else the system's temporary
 * folder, unless that is in memory (tmpfs), in which case the output's own folder, which is on a disk since
 * the output is written there.
 */
export function scratchFolderFor(target: string, scratchDir?: string, o: { tmp?: string; mounts?: string } = {}): { folder: string; why: string } {
  if (scratchDir !== undefined) return { folder: scratchDir, why: '--scratch_dir' };
  const tmp = o.tmp ?? tmpdir();
  const type = fileSystemType(tmp, o.mounts ?? readMounts());
  if (type !== null && IN_MEMORY.has(type)) return { folder: dirname(resolve(target)), why: `the output's folder, since ${tmp} is ${type} (memory)` };
  return { folder: tmp, why: 'the system temporary folder' };
}

/** An OutputError naming `folder` when `error` says the disk is full (errno or libvips' message); else null. */
export function scratchSpaceError(error: unknown, folder: string): OutputError | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code !== 'ENOSPC' && code !== 'EDQUOT' && !/No space left on device|Disk quota exceeded/i.test(message)) return null;
  return new OutputError(
    `Expected room for tiled translation's scratch files in ${folder} but the disk is full (${code ?? 'No space left on device'}). ` +
      'Free space there, or point --scratch_dir at a folder on a larger disk (a large image at ngf 64 needs about 400 bytes a pixel)',
  );
}

/** Writes all of `bytes` at `position` of a scratch file under `folder`; a full disk is scratchSpaceError's OutputError. */
export function writeScratch(fd: number, bytes: Uint8Array, position: number, folder: string): void {
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
  } catch (error) {
    throw scratchSpaceError(error, folder) ?? error;
  }
}
