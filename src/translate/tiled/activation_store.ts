/**
 * A whole-image activation (height x width x channels, float32, channels last) that tiled translation
 * reads and writes a box at a time. Channels last, because a box is then one contiguous run per row:
 * a file-backed store reads a tile with one pread per row instead of one per row and channel.
 * It lives in memory when the budget allows, otherwise in a scratch file (the OS page cache keeps what
 * it can; the process's own memory stays at a tile's working set).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeScratch } from './scratch_folder.js';

export interface ActivationStore {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Rows [y0, y1), columns [x0, x1), channels last, into `out` (or a new array). */
  read(y0: number, y1: number, x0: number, x1: number, out?: Float32Array): Float32Array;
  /** Writes `data` (rows [y0, y0 + h), columns [x0, x0 + w), channels last) where h = data.length / (w * channels). */
  write(y0: number, x0: number, w: number, data: Float32Array): void;
  dispose(): void;
}

export type StoreKind = 'memory' | 'file';

/** Bytes a store of this shape takes. */
export function storeBytes(height: number, width: number, channels: number): number {
  return height * width * channels * 4;
}

abstract class RowStore implements ActivationStore {
  constructor(
    readonly height: number,
    readonly width: number,
    readonly channels: number,
  ) {}
  protected abstract readRun(y: number, x0: number, into: Float32Array): void;
  protected abstract writeRun(y: number, x0: number, from: Float32Array): void;
  abstract dispose(): void;
  read(y0: number, y1: number, x0: number, x1: number, out?: Float32Array): Float32Array {
    const run = (x1 - x0) * this.channels;
    const result = out ?? new Float32Array((y1 - y0) * run);
    for (let y = y0; y < y1; y++) this.readRun(y, x0, result.subarray((y - y0) * run, (y - y0 + 1) * run));
    return result;
  }
  write(y0: number, x0: number, w: number, data: Float32Array): void {
    const run = w * this.channels;
    const rows = data.length / run;
    for (let r = 0; r < rows; r++) this.writeRun(y0 + r, x0, data.subarray(r * run, (r + 1) * run));
  }
}

/** One Float32Array per row: no single allocation of the whole activation (V8 caps typed array length). */
class MemoryStore extends RowStore {
  #rows: Float32Array[] | null;
  constructor(height: number, width: number, channels: number) {
    super(height, width, channels);
    this.#rows = Array.from({ length: height }, () => new Float32Array(width * channels));
  }
  #row(y: number): Float32Array {
    if (!this.#rows) throw new Error('activation store used after dispose()');
    return this.#rows[y] as Float32Array;
  }
  protected readRun(y: number, x0: number, into: Float32Array): void {
    into.set(this.#row(y).subarray(x0 * this.channels, x0 * this.channels + into.length));
  }
  protected writeRun(y: number, x0: number, from: Float32Array): void {
    this.#row(y).set(from, x0 * this.channels);
  }
  dispose(): void {
    this.#rows = null;
  }
}

/** A scratch file in its own temporary folder, removed on dispose. */
class FileStore extends RowStore {
  readonly #dir: string;
  #fd: number | null;
  constructor(height: number, width: number, channels: number, scratchDir: string) {
    super(height, width, channels);
    this.#dir = mkdtempSync(join(scratchDir, 'cyclegan-tiles-'));
    this.#fd = openSync(join(this.#dir, 'activation.f32'), 'w+');
  }
  #offset(y: number, x0: number): number {
    return (y * this.width + x0) * this.channels * 4;
  }
  #handle(): number {
    if (this.#fd === null) throw new Error('activation store used after dispose()');
    return this.#fd;
  }
  protected readRun(y: number, x0: number, into: Float32Array): void {
    const bytes = Buffer.from(into.buffer, into.byteOffset, into.byteLength);
    const got = readSync(this.#handle(), bytes, 0, bytes.length, this.#offset(y, x0));
    // Never written (a sparse hole past the end of the file) reads as zeros, as in memory.
    if (got < bytes.length) bytes.fill(0, got);
  }
  protected writeRun(y: number, x0: number, from: Float32Array): void {
    writeScratch(this.#handle(), new Uint8Array(from.buffer, from.byteOffset, from.byteLength), this.#offset(y, x0), dirname(this.#dir));
  }
  dispose(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

export function createStore(kind: StoreKind, height: number, width: number, channels: number, scratchDir = tmpdir()): ActivationStore {
  return kind === 'memory' ? new MemoryStore(height, width, channels) : new FileStore(height, width, channels, scratchDir);
}
