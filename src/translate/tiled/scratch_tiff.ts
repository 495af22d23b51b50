/**
 * An uncompressed 8-bit BigTIFF written a band of rows at a time, for libvips to read back strip by strip.
 * Why a file: sharp's raw input must be one Buffer (a raw stream is gathered whole before it starts), and
 * a libvips .v file is mapped whole, so its pages count as resident while it is encoded; libtiff reads
 * one strip at a time, so encoding the result to JPEG or PNG from this file holds only a few strips.
 * BigTIFF (64-bit offsets) so that no image size is refused.
 */
import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeScratch } from './scratch_folder.js';

/** Rows per strip: about 256 KiB a strip, what libvips holds per strip it reads. */
function rowsPerStrip(rowBytes: number, height: number): number {
  return Math.max(1, Math.min(height, Math.floor(2 ** 18 / rowBytes)));
}

const SHORT = 3;
const LONG = 4;
const LONG8 = 16;

interface Entry {
  tag: number;
  type: number;
  values: number[];
}

export class ScratchTiff {
  readonly #rowBytes: number;
  readonly #dataOffset: number;
  #fd: number | null;

  /** Creates `path` holding the header; the pixels are whatever writeRows puts there (zeros until then). */
  constructor(
    readonly path: string,
    readonly width: number,
    readonly height: number,
    readonly channels: 1 | 3,
  ) {
    this.#rowBytes = width * channels;
    const rows = rowsPerStrip(this.#rowBytes, height);
    const strips = Math.ceil(height / rows);
    const entries: Entry[] = [
      { tag: 256, type: LONG, values: [width] }, // ImageWidth
      { tag: 257, type: LONG, values: [height] }, // ImageLength
      { tag: 258, type: SHORT, values: Array<number>(channels).fill(8) }, // BitsPerSample
      { tag: 259, type: SHORT, values: [1] }, // Compression: none
      { tag: 262, type: SHORT, values: [channels === 3 ? 2 : 1] }, // Photometric: RGB, or BlackIsZero
      { tag: 273, type: LONG8, values: [] }, // StripOffsets, filled in below
      { tag: 277, type: SHORT, values: [channels] }, // SamplesPerPixel
      { tag: 278, type: LONG, values: [rows] }, // RowsPerStrip
      { tag: 279, type: LONG8, values: [] }, // StripByteCounts, filled in below
      { tag: 284, type: SHORT, values: [1] }, // PlanarConfiguration: samples interleaved
    ];
    const ifdOffset = 16;
    const ifdBytes = 8 + entries.length * 20 + 8;
    // Values over 8 bytes go after the IFD: the two strip arrays.
    const offsetsAt = ifdOffset + ifdBytes;
    const countsAt = offsetsAt + strips * 8;
    this.#dataOffset = countsAt + strips * 8;
    const offsets = entries[5] as Entry;
    const counts = entries[8] as Entry;
    for (let s = 0; s < strips; s++) {
      const first = s * rows;
      offsets.values.push(this.#dataOffset + first * this.#rowBytes);
      counts.values.push(Math.min(rows, height - first) * this.#rowBytes);
    }
    const head = Buffer.alloc(this.#dataOffset);
    head.write('II', 0, 'latin1');
    head.writeUInt16LE(43, 2); // BigTIFF
    head.writeUInt16LE(8, 4); // bytes per offset
    head.writeBigUInt64LE(BigInt(ifdOffset), 8);
    head.writeBigUInt64LE(BigInt(entries.length), ifdOffset);
    let at = ifdOffset + 8;
    for (const { tag, type, values } of entries) {
      head.writeUInt16LE(tag, at);
      head.writeUInt16LE(type, at + 2);
      head.writeBigUInt64LE(BigInt(values.length), at + 4);
      const size = type === SHORT ? 2 : type === LONG ? 4 : 8;
      // Inline when the values fit the 8-byte field, else the offset of the array after the IFD.
      const field = values.length * size <= 8 ? at + 12 : -1;
      const target = field >= 0 ? field : tag === 273 ? offsetsAt : countsAt;
      if (field < 0) head.writeBigUInt64LE(BigInt(target), at + 12);
      values.forEach((v, i) => {
        if (size === 2) head.writeUInt16LE(v, target + 2 * i);
        else if (size === 4) head.writeUInt32LE(v, target + 4 * i);
        else head.writeBigUInt64LE(BigInt(v), target + 8 * i);
      });
      at += 20;
    }
    // The next-IFD offset after the entries stays 0: one image.
    this.#fd = openSync(path, 'w');
    this.#write(head, 0);
  }

  #write(bytes: Uint8Array, position: number): void {
    if (this.#fd === null) throw new Error('scratch TIFF written after close()');
    writeScratch(this.#fd, bytes, position, dirname(dirname(this.path)));
  }

  /** Rows [y0, y0 + rows) from `samples`, 8-bit, channels last. */
  writeRows(y0: number, samples: Uint8Array): void {
    if (samples.length % this.#rowBytes !== 0 || y0 * this.#rowBytes + samples.length > this.height * this.#rowBytes) {
      throw new Error(`rows of ${samples.length} bytes at row ${y0} do not fit a ${this.width}x${this.height}x${this.channels} image`);
    }
    this.#write(samples, this.#dataOffset + y0 * this.#rowBytes);
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
