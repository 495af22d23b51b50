/**
 * Follows a growing JSON-lines file written by another process: hands over each complete line once,
 * keeps a partial last line until its newline arrives, and starts over when the file is replaced or
 * shortened. A change is noticed through fs.watch on the folder (immediate where the platform
 * supports it) and, because watching is unreliable on network and container filesystems, by polling.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface LogTailHandlers {
  lines(lines: string[]): void;
  /** The file shrank or was replaced: what was read before no longer holds. */
  reset(): void;
}

export class LogTail {
  private offset = 0;
  private inode = -1;
  private partial: Buffer = Buffer.alloc(0);
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly path: string,
    private readonly handlers: LogTailHandlers,
  ) {}

  /** Reads what is there now (synchronously), then follows the file until stop(). */
  start(pollMs = 500): void {
    const check = () => {
      this.ensureWatcher();
      this.poll();
    };
    check();
    this.timer = setInterval(check, pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
  }

  /** Reads any new complete lines now. Safe to call at any time. */
  poll(): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return; // not written yet (or gone): nothing to read
    }
    try {
      const stat = fstatSync(fd);
      if (stat.ino !== this.inode || stat.size < this.offset) {
        const hadData = this.offset > 0 || this.partial.length > 0;
        this.inode = stat.ino;
        this.offset = 0;
        this.partial = Buffer.alloc(0);
        if (hadData) this.handlers.reset();
      }
      if (stat.size === this.offset) return;
      const fresh = Buffer.alloc(stat.size - this.offset);
      let got = 0;
      while (got < fresh.length) {
        const n = readSync(fd, fresh, got, fresh.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
      this.offset += got;
      const data = this.partial.length ? Buffer.concat([this.partial, fresh.subarray(0, got)]) : fresh.subarray(0, got);
      const end = data.lastIndexOf(0x0a);
      // Split on bytes, not characters, so a multi-byte character cut by the writer stays whole.
      this.partial = Buffer.from(data.subarray(end + 1));
      if (end >= 0) this.handlers.lines(data.subarray(0, end).toString('utf8').split('\n'));
    } finally {
      closeSync(fd);
    }
  }

  private ensureWatcher(): void {
    if (this.watcher) return;
    const dir = dirname(this.path);
    try {
      if (!statSync(dir).isDirectory()) return;
      const name = basename(this.path);
      this.watcher = watch(dir, { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.poll();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null; // polling goes on; the next poll tries to watch again
      });
    } catch {
      this.watcher = null; // the folder is not there yet: polling will try again
    }
  }
}
