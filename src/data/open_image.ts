/**
 * The one place that turns an image file into a sharp pipeline, so validation and decoding agree
 * on what counts as readable: BMP goes through our own decoder (libvips has none), everything
 * else through sharp with strict error checking, EXIF auto-orientation and a pixel limit.
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { DatasetError } from '../errors.js';
import { decodeBmp, isBmp, readBmpHeader } from './bmp.js';

/** Images above this many pixels are refused before decoding (decompression-bomb guard). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Reads a whole file, turning file-system errors into a DatasetError that names the file. */
export async function readImageFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the file does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : String((error as Error).message);
    throw new DatasetError(`Cannot read image ${path}: ${why}`);
  }
}

export interface ImageHeader {
  readonly format: string;
  /** Stored size, before EXIF orientation. */
  readonly width: number;
  readonly height: number;
}

/** Reads only the header: cheap, and safe on a decompression bomb. Throws when sharp does not recognise the format. */
export async function readImageHeader(buffer: Buffer): Promise<ImageHeader> {
  if (isBmp(buffer)) {
    const h = readBmpHeader(buffer);
    return { format: 'bmp', width: h.width, height: h.height };
  }
  // limitInputPixels: false, so that a huge header is reported by size, not as a decode failure.
  const m = await sharp(buffer, { limitInputPixels: false }).metadata();
  return { format: m.format ?? 'unknown', width: m.width ?? 0, height: m.height ?? 0 };
}

/**
 * A sharp pipeline over the decoded image: first frame of GIF/TIFF/WebP, EXIF orientation
 * applied, failing on any decoding error (truncated or corrupt data) rather than padding with grey.
 */
export function openImage(buffer: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Sharp {
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
