/**
 * Rows of a libvips native file (.v) that libvips itself wrote: a 64-byte header, then the pixels row after
 * row, channels last. libvips writes it strip by strip, so decoding a huge JPEG or PNG into one costs a few
 * strips of memory; reading it back here with pread into one reused buffer costs a band. (libvips maps a .v
 * file whole when it reads one, which is why the output side uses a scratch TIFF instead.)
 */
import { closeSync, openSync, readSync } from 'node:fs';

const HEADER_BYTES = 64;
/** The first four bytes of a .v file whose header fields are little-endian (libvips' VIPS_MAGIC_INTEL). */
const MAGIC_LITTLE_ENDIAN = 0x08f2a6b6;
/** BandFmt 0: unsigned 8-bit samples; Coding 0: none. */
const UCHAR = 0;

export class VipsRows {
  readonly #fd: number;
  readonly #rowBytes: number;
  #closed = false;

  /** Opens `path` and checks that it holds `width` x `height` x `channels` unsigned bytes, as decoding asked for. */
  constructor(
    readonly path: string,
    readonly width: number,
    readonly height: number,
    readonly channels: number,
  ) {
    this.#fd = openSync(path, 'r');
    const header = Buffer.alloc(HEADER_BYTES);
    const got = readSync(this.#fd, header, 0, HEADER_BYTES, 0);
    const field = (i: number) => header.readUInt32LE(4 + 4 * i);
    const found = { width: field(0), height: field(1), channels: field(2), format: field(4), coding: field(5) };
    if (got < HEADER_BYTES || header.readUInt32LE(0) !== MAGIC_LITTLE_ENDIAN || found.format !== UCHAR || found.coding !== 0 || found.width !== width || found.height !== height || found.channels !== channels) {
      closeSync(this.#fd);
      throw new Error(`expected libvips to decode into ${path} ${width}x${height}x${channels} unsigned bytes but its header says ${JSON.stringify(found)}`);
    }
    this.#rowBytes = width * channels;
  }

  /** Rows [y0, y0 + rows) into the start of `into`; returns that part of it. */
  read(y0: number, rows: number, into: Uint8Array): Uint8Array {
    if (this.#closed) throw new Error('decoded image read after close()');
    // Past the last row lies libvips' XML trailer, not pixels.
    if (y0 < 0 || y0 + rows > this.height) throw new Error(`rows [${y0}, ${y0 + rows}) are outside the ${this.height} rows of ${this.path}`);
    const bytes = rows * this.#rowBytes;
    const view = into.subarray(0, bytes);
    let done = 0;
    while (done < bytes) {
      const n = readSync(this.#fd, view, done, bytes - done, HEADER_BYTES + y0 * this.#rowBytes + done);
      if (n === 0) throw new Error(`${this.path} ends before row ${y0 + rows}`);
      done += n;
    }
    return view;
  }

  close(): void {
    if (!this.#closed) closeSync(this.#fd);
    this.#closed = true;
  }
}
