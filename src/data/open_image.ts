/**
 * The one place that turns an image file into a sharp pipeline, so validation and decoding agree
 * on what counts as readable: BMP goes through our own decoder (libvips has none), everything
 * else through sharp with strict error checking, EXIF auto-orientation and a pixel limit.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { DatasetError } from '../errors.js';
import { decodeBmp, isBmp, readBmpHeader } from './bmp.js';
import { assertAcceptedDepth, assertAcceptedFormat } from './image_format.js';

/** Images above this many pixels are refused before decoding (decompression-bomb guard). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/**
 * Image files larger than this are refused before reading: no accepted image of at most
 * DEFAULT_MAX_PIXELS pixels needs more (an uncompressed 32-bit BMP of 100 megapixels is 400 MB).
 */
export const DEFAULT_MAX_FILE_BYTES = 512 * 2 ** 20;

/**
 * Reads a whole image file, turning file-system errors into a DatasetError that names the file.
 * Only a regular file is ever opened: opening a FIFO blocks until someone writes to it (a run hung
 * forever on one), and a device like /dev/zero never ends. The size is checked before reading, and the
 * read stops at the cap even if the file grows meanwhile.
 */
export async function readImageFile(path: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<Buffer> {
  const refuse = (why: string) => new DatasetError(`Cannot read image ${path}: ${why}`);
  const describe = (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'the file does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : String((error as Error).message);
  };
  let handle;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw refuse('not a regular file');
    if (info.size > maxBytes) throw refuse(tooManyBytes(info.size, maxBytes));
    // O_NONBLOCK: should the path be swapped for a FIFO after the stat, the open still returns at once.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw error instanceof DatasetError ? error : refuse(describe(error));
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw refuse('not a regular file');
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw refuse(tooManyBytes(length, maxBytes));
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } catch (error) {
    throw error instanceof DatasetError ? error : refuse(describe(error));
  } finally {
    await handle.close();
  }
}

export function tooManyBytes(size: number, maxBytes: number): string {
  return `the file is ${size} bytes, over the limit of ${maxBytes} bytes for an image file`;
}

export interface ImageHeader {
  readonly format: string;
  /** Stored size, before EXIF orientation. */
  readonly width: number;
  readonly height: number;
}

/** Reads only the header: cheap, and safe on a decompression bomb. Throws when sharp does not recognise the format. */
export async function readImageHeader(buffer: Buffer): Promise<ImageHeader> {
  assertAcceptedFormat(buffer);
  if (isBmp(buffer)) {
    const h = readBmpHeader(buffer);
    return { format: 'bmp', width: h.width, height: h.height };
  }
  // limitInputPixels: false, so that a huge header is reported by size, not as a decode failure.
  const m = await sharp(buffer, { limitInputPixels: false }).metadata();
  assertAcceptedDepth(m.format ?? 'unknown', m.depth);
  return { format: m.format ?? 'unknown', width: m.width ?? 0, height: m.height ?? 0 };
}

/**
 * A sharp pipeline over the decoded image: first frame of GIF/TIFF/WebP, EXIF orientation
 * applied, failing on any decoding error (truncated or corrupt data) rather than padding with grey.
 */
export function openImage(buffer: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Sharp {
  assertAcceptedFormat(buffer);
  if (isBmp(buffer)) {
    const header = readBmpHeader(buffer);
    if (header.width * header.height > maxPixels) {
      throw new DatasetError(`Image is ${header.width}x${header.height} pixels, more than the limit of ${maxPixels}; downscale it first`);
    }
    const bmp = decodeBmp(buffer);
    return sharp(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: bmp.channels } });
  }
  return sharp(buffer, { failOn: 'error', limitInputPixels: maxPixels, autoOrient: true });
}
