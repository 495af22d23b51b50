/**
 * A tiny Windows BMP decoder, because libvips (and so sharp) cannot read BMP at all.
 *
 * Supported: uncompressed (BI_RGB) 1-, 4-, 8-bit paletted, 24-bit and 32-bit, and 32-bit
 * BI_BITFIELDS with 8-bit masks; bottom-up and top-down rows. The fourth byte of 32-bit pixels
 * is treated as padding and dropped, because most writers leave it 0 rather than opaque; the
 * training pipeline drops alpha anyway. RLE-compressed and 16-bit files are reported as
 * unsupported, with the fix (re-save as PNG).
 */
import { DatasetError } from '../errors.js';

/** Decoded pixels: rows top to bottom, RGB interleaved, 8 bits per sample. */
export interface BmpImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
  readonly data: Buffer;
}

export interface BmpHeader {
  readonly width: number;
  readonly height: number;
  readonly bitsPerPixel: number;
  readonly compression: number;
  readonly topDown: boolean;
  readonly pixelOffset: number;
  readonly headerSize: number;
}

/** A well-formed BMP of a kind this decoder does not handle (RLE, 16-bit, odd bit fields). */
export class UnsupportedBmpError extends DatasetError {}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const RESAVE = 're-save it as PNG or JPEG';

/** True when the buffer starts with the BMP signature "BM". */
export function isBmp(buffer: Uint8Array): boolean {
  return buffer.length >= 2 && buffer[0] === 0x42 && buffer[1] === 0x4d;
}

/** Reads only the headers, so the pixel count can be checked before any pixels are decoded. */
export function readBmpHeader(buffer: Buffer): BmpHeader {
  if (!isBmp(buffer)) throw new DatasetError('Expected a BMP file starting with "BM" but the signature differs');
  if (buffer.length < 26) throw new DatasetError(`BMP file is truncated: its header needs at least 26 bytes but the file has ${buffer.length}; ${RESAVE}`);
  const pixelOffset = buffer.readUInt32LE(10);
  const headerSize = buffer.readUInt32LE(14);
  if (headerSize === 12) {
    // OS/2 BITMAPCOREHEADER: 16-bit dimensions, never compressed.
    return { width: buffer.readUInt16LE(18), height: buffer.readUInt16LE(20), bitsPerPixel: buffer.readUInt16LE(24), compression: BI_RGB, topDown: false, pixelOffset, headerSize };
  }
  if (headerSize < 40) throw new UnsupportedBmpError(`BMP file has an unknown info header of ${headerSize} bytes (expected 12, 40, 52, 56, 108 or 124); ${RESAVE}`);
  if (buffer.length < 14 + 40) throw new DatasetError(`BMP file is truncated: its info header needs ${14 + 40} bytes but the file has ${buffer.length}; ${RESAVE}`);
  const rawHeight = buffer.readInt32LE(22);
  const width = buffer.readInt32LE(18);
  if (width < 1 || rawHeight === 0) throw new DatasetError(`BMP file declares an empty image of ${width}x${Math.abs(rawHeight)} pixels; ${RESAVE}`);
  return {
    width,
    height: Math.abs(rawHeight),
    bitsPerPixel: buffer.readUInt16LE(28),
    compression: buffer.readUInt32LE(30),
    topDown: rawHeight < 0,
    pixelOffset,
    headerSize,
  };
}

/** Position of the lowest set bit and the mask width, for BI_BITFIELDS masks. */
function maskShift(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

function readPalette(buffer: Buffer, header: BmpHeader): Uint8Array {
  const entries = 1 << header.bitsPerPixel;
  const entrySize = header.headerSize === 12 ? 3 : 4;
  const start = 14 + header.headerSize;
  const declared = header.headerSize >= 40 ? buffer.readUInt32LE(46) : 0;
  const count = Math.min(declared > 0 ? declared : entries, entries);
  if (start + count * entrySize > buffer.length) throw new DatasetError(`BMP file is truncated inside its colour palette; ${RESAVE}`);
  // Indexes past the declared palette read as black, as in other decoders.
  const palette = new Uint8Array(entries * 3);
  for (let i = 0; i < count; i++) {
    const o = start + i * entrySize;
    palette[i * 3] = buffer[o + 2] as number;
    palette[i * 3 + 1] = buffer[o + 1] as number;
    palette[i * 3 + 2] = buffer[o] as number;
  }
  return palette;
}

/** Decodes a whole BMP file to top-down RGB. Throws DatasetError for unsupported or damaged files. */
export function decodeBmp(buffer: Buffer): BmpImage {
  const header = readBmpHeader(buffer);
  const { width, height, bitsPerPixel: bpp, compression } = header;
  const supportedDepth = compression === BI_RGB ? [1, 4, 8, 24, 32].includes(bpp) : compression === BI_BITFIELDS && bpp === 32;
  if (!supportedDepth) {
    throw new UnsupportedBmpError(
      `BMP with ${bpp} bits per pixel and compression type ${compression} is not supported ` +
        `(supported: uncompressed 1/4/8-bit paletted, 24-bit and 32-bit); ${RESAVE}`,
    );
  }
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const needed = header.pixelOffset + stride * height;
  if (needed > buffer.length) {
    throw new DatasetError(`BMP file is truncated: its ${width}x${height} pixels need ${needed} bytes but the file has ${buffer.length}; ${RESAVE}`);
  }

  const out = Buffer.alloc(width * height * 3);
  const palette = bpp <= 8 ? readPalette(buffer, header) : undefined;
  let masks = [
    { shift: 16, bits: 8 },
    { shift: 8, bits: 8 },
    { shift: 0, bits: 8 },
  ];
  if (compression === BI_BITFIELDS) {
    masks = [buffer.readUInt32LE(54), buffer.readUInt32LE(58), buffer.readUInt32LE(62)].map(maskShift);
    if (masks.some((m) => m.bits !== 8)) throw new UnsupportedBmpError(`BMP with bit-field masks other than 8 bits per channel is not supported; ${RESAVE}`);
  }

  for (let y = 0; y < height; y++) {
    const row = header.pixelOffset + (header.topDown ? y : height - 1 - y) * stride;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      if (palette) {
        const bit = x * bpp;
        const byte = buffer[row + (bit >> 3)] as number;
        const index = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        out[o] = palette[index * 3] as number;
        out[o + 1] = palette[index * 3 + 1] as number;
        out[o + 2] = palette[index * 3 + 2] as number;
      } else if (bpp === 24) {
        const p = row + x * 3;
        out[o] = buffer[p + 2] as number;
        out[o + 1] = buffer[p + 1] as number;
        out[o + 2] = buffer[p] as number;
      } else {
        const v = buffer.readUInt32LE(row + x * 4);
        for (let c = 0; c < 3; c++) {
          const m = masks[c] as { shift: number };
          out[o + c] = (v >>> m.shift) & 0xff;
        }
      }
    }
  }
  return { width, height, channels: 3, data: out };
}
