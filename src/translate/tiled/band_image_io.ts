/**
 * Reading and writing images too large to hold decoded as floats. The input is decoded a band of rows at
 * a time through sharp's region extraction (libvips computes only the pixels a region needs, so a band of
 * the resized image equals the same rows of the whole resized image); the output is gathered as 8-bit
 * samples, the only full-size copy, and encoded by libvips straight to a temporary file.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import sharp from 'sharp';
import { luma } from '../../data/decode.js';
import { openImage, readImageFile, readImageHeader } from '../../data/open_image.js';
import { ConfigError, DatasetError } from '../../errors.js';
import type { Size } from '../../data/native_size.js';
import type { ActivationStore } from './activation_store.js';
import { readOutputRows } from './run_plan.js';
import type { Activation } from './tile_ops.js';

/** Rows [y0, y0 + rows) of the image as sRGB without alpha, resized first when `size` differs from `original`. */
async function rgbBand(buffer: Buffer, maxPixels: number, original: Size, size: Size, y0: number, rows: number): Promise<Uint8Array> {
  let image = openImage(buffer, maxPixels).toColourspace('srgb').removeAlpha();
  if (size.height !== original.height || size.width !== original.width) image = image.resize(size.width, size.height, { fit: 'fill', kernel: 'cubic' });
  const { data, info } = await image.extract({ left: 0, top: y0, width: size.width, height: rows }).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 colour channels after conversion but got ${info.channels}`);
  return data;
}

/**
 * Grayscale bands of the image resized to `size`. decodeResized takes PIL's luma before resizing, so this
 * does too: the luma of the whole original (one byte a pixel, the only full-size copy of the input), then
 * bands of its resize.
 */
async function grayBands(buffer: Buffer, maxPixels: number, original: Size, size: Size, band: number, take: (y0: number, samples: Uint8Array) => void): Promise<void> {
  const resize = size.height !== original.height || size.width !== original.width;
  if (!resize) {
    for (let y0 = 0; y0 < size.height; y0 += band) take(y0, luma(await rgbBand(buffer, maxPixels, original, size, y0, Math.min(band, size.height - y0))));
    return;
  }
  const gray = Buffer.alloc(original.height * original.width);
  for (let y0 = 0; y0 < original.height; y0 += band) gray.set(luma(await rgbBand(buffer, maxPixels, original, original, y0, Math.min(band, original.height - y0))), y0 * original.width);
  for (let y0 = 0; y0 < size.height; y0 += band) {
    const rows = Math.min(band, size.height - y0);
    const resized = sharp(gray, { raw: { width: original.width, height: original.height, channels: 1 }, limitInputPixels: false }).resize(size.width, size.height, { fit: 'fill', kernel: 'cubic' });
    const { data } = await resized.toColourspace('b-w').extract({ left: 0, top: y0, width: size.width, height: rows }).raw().toBuffer({ resolveWithObject: true });
    take(y0, data);
  }
}

/**
 * Decodes `path` resized to the store's size (its own size rounded to a multiple of 4, as --keep_size
 * does) into `store` (channels last, [-1, 1]), `band` rows at a time. Colour handling is decodeResized's:
 * sRGB, alpha dropped before resizing, PIL's luma for one channel.
 */
export async function readImageInBands(path: string, store: ActivationStore, original: Size, band: number, maxPixels: number): Promise<void> {
  const buffer = await readImageFile(path);
  // The header first, as decodeResized does: format, sample depth and pixel count before any pixel is decoded.
  await readImageHeader(buffer).catch((error: Error) => {
    throw error instanceof DatasetError ? error : new DatasetError(`Cannot decode image ${path}: ${error.message}`);
  });
  const { height, width, channels } = store;
  const take = (y0: number, samples: Uint8Array) => {
    const floats = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) floats[i] = (samples[i] as number) / 127.5 - 1;
    store.write(y0, 0, width, floats);
  };
  try {
    if (channels === 1) await grayBands(buffer, maxPixels, original, { height, width }, band, take);
    else for (let y0 = 0; y0 < height; y0 += band) take(y0, await rgbBand(buffer, maxPixels, original, { height, width }, y0, Math.min(band, height - y0)));
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(`Cannot decode image ${path}: ${(error as Error).message.trim()}; replace or remove the file (validating the input lists every such file)`);
  }
}

/**
 * Writes the translation (`out`, with its final activation) to `path` (JPEG quality 95 4:4:4 or PNG, by
 * extension), resized back to `original`; rounding as writeImage does. Atomic: temporary file, then rename.
 */
export async function writeImageFromBands(path: string, out: Activation, original: Size, band: number): Promise<void> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.png' && ext !== '.jpg' && ext !== '.jpeg') throw new ConfigError(`Expected an output file name ending in .png, .jpg or .jpeg but received ${path}`);
  const { height, width, channels } = out.store;
  const bytes = Buffer.alloc(height * width * channels);
  for (let y0 = 0; y0 < height; y0 += band) {
    const y1 = Math.min(height, y0 + band);
    const rows = readOutputRows(out, y0, y1);
    const offset = y0 * width * channels;
    for (let i = 0; i < rows.length; i++) {
      const v = Math.round(((rows[i] as number) + 1) * 127.5);
      bytes[offset + i] = v > 255 ? 255 : v >= 0 ? v : 0;
    }
  }
  let image = sharp(bytes, { raw: { width, height, channels: channels as 1 | 3 }, limitInputPixels: false });
  if (height !== original.height || width !== original.width) image = image.resize(original.width, original.height, { fit: 'fill', kernel: 'cubic' });
  if (channels === 1) image = image.toColourspace('b-w');
  const encoded = ext === '.png' ? image.png() : image.jpeg({ quality: 95, chromaSubsampling: '4:4:4' });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp${ext}`);
  mkdirSync(dirname(path), { recursive: true });
  try {
    await encoded.toFile(temp);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
