/**
 * Atomic file writes: the data goes to a temporary file in the same folder, which is then renamed
 * over the target, so a crash or Ctrl-C never leaves a half-written file behind.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export function writeFileAtomic(path: string, chunks: string | Uint8Array | readonly Uint8Array[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const parts = typeof chunks === 'string' ? [Buffer.from(chunks)] : chunks instanceof Uint8Array ? [chunks] : chunks;
  try {
    const fd = openSync(temp, 'w');
    try {
      for (const part of parts) {
        let written = 0;
        while (written < part.byteLength) written += writeSync(fd, part, written);
      }
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw error;
    }
    closeSync(fd);
    renameSync(temp, path);
  } catch (error) {
    // write(2) errors (ENOSPC) carry no path: name the file being written, for the message the CLI gives.
    if (error instanceof Error && !(error as NodeJS.ErrnoException).path) (error as NodeJS.ErrnoException).path = path;
    throw error;
  }
}
