/**
 * Reading and writing images too large to hold decoded as floats. libvips decodes (and resizes) the input
 * once, strip by strip, into a scratch file that is read back a band of rows at a time; the output goes
 * band by band as 8-bit samples into an uncompressed scratch TIFF that libvips then resizes and encodes
 * strip by strip. Neither side holds a full-size copy of the image in memory: the scratch files hold it,
 * under the scratch folder, next to the activations.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import sharp from 'sharp';
import { luma } from '../../data/decode.js';
import { openImage, readImageFile, readImageHeader } from '../../data/open_image.js';
import { ConfigError, DatasetError } from '../../errors.js';
import type { Size } from '../../data/native_size.js';
import type { ActivationStore } from './activation_store.js';
import { scratchSpaceError } from './scratch_folder.js';
import { ScratchTiff } from './scratch_tiff.js';
import { VipsRows } from './vips_rows.js';
import type { Activation } from './tile_ops.js';

/** A fresh folder under `scratchDir` for one image's scratch files; the caller removes it. */
function scratchFolder(scratchDir: string | undefined): string {
  return mkdtempSync(join(scratchDir ?? tmpdir(), 'cyclegan-image-'));
}

/**
 * Decodes the image once, as sRGB without alpha, resized to `size` when given, into the libvips file
 * `target`: libvips decodes, converts and resizes strip by strip on the way to the file.
 */
async function decodeToFile(buffer: Buffer, maxPixels: number, original: Size, size: Size | null, target: string): Promise<VipsRows> {
  let image = openImage(buffer, maxPixels).toColourspace('srgb').removeAlpha();
  if (size) image = image.resize(size.width, size.height, { fit: 'fill', kernel: 'cubic' });
  await image.toFile(target);
  const { width, height } = size ?? original;
  return new VipsRows(target, width, height, 3);
}

/** Calls `take` with rows [y0, y0 + band) of `file` for every band, in one reused buffer. */
function eachBand(file: VipsRows, band: number, take: (y0: number, samples: Uint8Array) => void): void {
  const buffer = new Uint8Array(Math.min(band, file.height) * file.width * file.channels);
  for (let y0 = 0; y0 < file.height; y0 += band) take(y0, file.read(y0, Math.min(band, file.height - y0), buffer));
}

/**
 * Decodes `path` resized to the store's size (its own size rounded to a multiple of 4, as --keep_size
 * does) into `store` (channels last, [-1, 1]), `band` rows at a time. Colour handling is decodeResized's:
 * sRGB, alpha dropped before resizing, PIL's luma for one channel, taken before resizing as decodeResized
 * takes it. The image is decoded once into a scratch file under `scratchDir` and read back band by band,
 * so memory holds a band, never the whole image.
 */
export async function readImageInBands(path: string, store: ActivationStore, original: Size, band: number, maxPixels: number, scratchDir?: string): Promise<void> {
  const buffer = await readImageFile(path);
  // The header first, as decodeResized does: format, sample depth and pixel count before any pixel is decoded.
  await readImageHeader(buffer).catch((error: Error) => {
    throw error instanceof DatasetError ? error : new DatasetError(`Cannot decode image ${path}: ${error.message}`);
  });
  const { height, width, channels } = store;
  const resize = height !== original.height || width !== original.width;
  // One buffer for every band: per-band arrays would add up to the image's size before V8 collects them.
  const band32 = new Float32Array(Math.min(band, height) * width * channels);
  const take = (y0: number, samples: Uint8Array) => {
    const floats = band32.subarray(0, samples.length);
    for (let i = 0; i < samples.length; i++) floats[i] = (samples[i] as number) / 127.5 - 1;
    store.write(y0, 0, width, floats);
  };
  const folder = scratchFolder(scratchDir);
  const open: (VipsRows | ScratchTiff)[] = [];
  try {
    let rgb: VipsRows;
    try {
      rgb = await decodeToFile(buffer, maxPixels, original, channels === 3 && resize ? { height, width } : null, join(folder, 'decoded.v'));
    } catch (error) {
      if (error instanceof DatasetError) throw error;
      // libvips reports a full disk while writing the decoded file as a failed decode; it is the scratch folder's.
      const full = scratchSpaceError(error, dirname(folder));
      if (full) throw full;
      throw new DatasetError(`Cannot decode image ${path}: ${(error as Error).message.trim()}; replace or remove the file (validating the input lists every such file)`);
    }
    open.push(rgb);
    if (channels === 3) eachBand(rgb, band, take);
    else if (!resize) eachBand(rgb, band, (y0, samples) => take(y0, luma(samples)));
    else {
      // The luma at the original size into a scratch TIFF, which libvips resizes into another file.
      const gray = new ScratchTiff(join(folder, 'luma.tif'), original.width, original.height, 1);
      open.push(gray);
      eachBand(rgb, band, (y0, samples) => gray.writeRows(y0, luma(samples)));
      gray.close();
      const resized = join(folder, 'resized.v');
      await sharp(gray.path, { limitInputPixels: false, sequentialRead: true }).resize(width, height, { fit: 'fill', kernel: 'cubic' }).toColourspace('b-w').toFile(resized);
      const file = new VipsRows(resized, width, height, 1);
      open.push(file);
      eachBand(file, band, take);
    }
  } finally {
    for (const file of open) file.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Rows [y0, y1) of the output as 8-bit samples, channels last, into `bytes`: the store's own layout, so one
 * pass applies the final transform (readHwc's arithmetic, to the last bit of float32) and rounds as writeImage does.
 */
function outputSamples(out: Activation, y0: number, y1: number, floats: Float32Array, bytes: Uint8Array): void {
  const c = out.store.channels;
  out.store.read(y0, y1, 0, out.store.width, floats);
  const scale = out.scale ?? new Float32Array(c).fill(1);
  const shift = out.shift ?? new Float32Array(c);
  for (let i = 0; i < floats.length; i++) {
    const ch = i % c;
    let x = Math.fround(Math.fround((floats[i] as number) * (scale[ch] as number)) + (shift[ch] as number));
    if (out.fn === 'relu' && x < 0) x = 0;
    else if (out.fn === 'tanh') x = Math.tanh(x);
    // Through float32, as readHwc's tensors hold it.
    const v = Math.round((Math.fround(x) + 1) * 127.5);
    bytes[i] = v > 255 ? 255 : v >= 0 ? v : 0;
  }
}

/**
 * Writes the translation (`out`, with its final activation) to `path` (JPEG quality 95 4:4:4 or PNG, by
 * extension), resized back to `original`; rounding as writeImage does. The 8-bit result goes band by band
 * into a scratch TIFF under `scratchDir`, which libvips resizes and encodes strip by strip. Atomic:
 * temporary file, then rename.
 */
export async function writeImageFromBands(path: string, out: Activation, original: Size, band: number, scratchDir?: string): Promise<void> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.png' && ext !== '.jpg' && ext !== '.jpeg') throw new ConfigError(`Expected an output file name ending in .png, .jpg or .jpeg but received ${path}`);
  const { height, width, channels } = out.store;
  const folder = scratchFolder(scratchDir);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp${ext}`);
  try {
    const raw = new ScratchTiff(join(folder, 'output.tif'), width, height, channels as 1 | 3);
    try {
      // One pair of buffers for every band, as in reading.
      const floats = new Float32Array(Math.min(band, height) * width * channels);
      const bytes = Buffer.alloc(floats.length);
      for (let y0 = 0; y0 < height; y0 += band) {
        const y1 = Math.min(height, y0 + band);
        const n = (y1 - y0) * width * channels;
        outputSamples(out, y0, y1, floats.subarray(0, n), bytes.subarray(0, n));
        raw.writeRows(y0, bytes.subarray(0, n));
      }
    } finally {
      raw.close();
    }
    let image = sharp(raw.path, { limitInputPixels: false, sequentialRead: true });
    if (height !== original.height || width !== original.width) image = image.resize(original.width, original.height, { fit: 'fill', kernel: 'cubic' });
    if (channels === 1) image = image.toColourspace('b-w');
    // Huffman tables optimised for the image need every coefficient of it in memory first (about 4 bytes
    // a sample, measured); the standard tables give the same pixels in a file a few percent larger.
    const encoded = ext === '.png' ? image.png() : image.jpeg({ quality: 95, chromaSubsampling: '4:4:4', optimiseCoding: false });
    mkdirSync(dirname(path), { recursive: true });
    await encoded.toFile(temp);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
