/**
 * Decoding an image file into the network's input: CHW float32 in [-1, 1].
 *
 * It follows the reference's data path (junyanz/pytorch-CycleGAN-and-pix2pix, data/base_dataset.py
 * get_transform with preprocess 'resize_and_crop'): PIL `convert('RGB')`, optional
 * `Grayscale(1)`, `Resize([load, load], BICUBIC)`, `RandomCrop(crop)`, `RandomHorizontalFlip`,
 * `ToTensor`, `Normalize(0.5, 0.5)`. Concretely:
 *  - alpha is dropped, not composited, as PIL's convert('RGB') does: a transparent pixel keeps its
 *    stored colour;
 *  - grayscale uses PIL's ITU-R 601-2 luma, computed before resizing as the reference does;
 *  - the size is forced to exactly height x width (aspect ratio not kept), with the Catmull-Rom
 *    cubic kernel that PIL's BICUBIC also uses;
 *  - EXIF orientation is applied, GIF/TIFF/WebP give their first frame.
 */
import sharp from 'sharp';
import { ConfigError, DatasetError } from '../errors.js';
import { openImage, readImageFile, readImageHeader } from './open_image.js';
import type { Rng } from '../engine/rng.js';

export interface ImageShape {
  /** 1 for grayscale, 3 for RGB. */
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
}

/**
 * How the random crop is made (the preprocess parameter):
 *  - resize_and_crop: the reference's: resize to loadScale times the size, crop the size. The crop
 *    sees the image zoomed by loadScale, while translation sees it at its size.
 *  - pad_and_crop: resize to the size, mirror-pad to loadScale times it, crop the size: the same
 *    random shifts without the zoom, so training sees objects at the scale they are translated at.
 */
export type CropMode = 'resize_and_crop' | 'pad_and_crop';

export interface TrainingImageOptions extends ImageShape {
  /**
   * The crop window's room: round(height * loadScale) x round(width * loadScale), 1 (no crop) or
   * more. The reference's load_size 286 / crop_size 256 is 286 / 256.
   */
  readonly loadScale: number;
  /** How that room is made; default resize_and_crop. */
  readonly cropMode?: CropMode;
  /** Flip left-right with probability 1/2. */
  readonly flip: boolean;
}

function checkShape(shape: ImageShape): void {
  if (shape.channels !== 1 && shape.channels !== 3) throw new ConfigError(`Expected 1 or 3 for channels but received ${String(shape.channels)}`);
  for (const key of ['height', 'width'] as const) {
    const v = shape[key];
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`Expected a positive integer for ${key} but received ${String(v)}`);
  }
}

/**
 * How the training view gets its pixels: `path` decoded and resized to height x width, HWC uint8
 * with `channels` samples per pixel. The result is only read, never written, so a cache may hand
 * out the same array again (decoded_cache.ts).
 */
export type ResizedDecoder = (path: string, channels: 1 | 3, height: number, width: number) => Promise<Uint8Array>;

/** Decodes `path` and resizes it to height x width: HWC uint8 with `channels` samples per pixel. */
export async function decodeResized(path: string, channels: 1 | 3, height: number, width: number): Promise<Uint8Array> {
  const buffer = await readImageFile(path);
  try {
    // The header first, as validation does: the format, sample depth and pixel count are checked before any pixel is decoded.
    await readImageHeader(buffer);
    // Two passes on purpose: sharp premultiplies alpha while resizing, which would blacken
    // transparent pixels; removing alpha on the full-size image first keeps the reference's behaviour.
    const full = await openImage(buffer).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (full.info.channels !== 3) throw new Error(`expected 3 colour channels after conversion but got ${full.info.channels}`);
    let pixels: Uint8Array = full.data;
    if (channels === 1) pixels = luma(full.data);
    const { width: w, height: h } = full.info;
    if (w === width && h === height) return pixels;
    const resized = sharp(pixels, { raw: { width: w, height: h, channels } }).resize(width, height, { fit: 'fill', kernel: 'cubic' });
    // Without the explicit colourspace sharp would widen one band to three on output.
    const out = await (channels === 1 ? resized.toColourspace('b-w') : resized).raw().toBuffer({ resolveWithObject: true });
    if (out.info.channels !== channels) throw new Error(`expected ${channels} channels after resizing but got ${out.info.channels}`);
    return out.data;
  } catch (error) {
    if (error instanceof DatasetError) throw new DatasetError(`Cannot decode image ${path}: ${error.message}`);
    throw new DatasetError(`Cannot decode image ${path}: ${(error as Error).message.trim()}; replace or remove the file (validating the input lists every such file)`);
  }
}

/** PIL's convert('L'): L = R * 299/1000 + G * 587/1000 + B * 114/1000, in 16-bit fixed point. */
export function luma(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) {
    out[i] = ((rgb[j] as number) * 19595 + (rgb[j + 1] as number) * 38470 + (rgb[j + 2] as number) * 7471 + 0x8000) >> 16;
  }
  return out;
}

/** Index `i` of a row or column of `n` pixels mirrored at both ends without repeating the edge (reflection padding). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/**
 * HWC uint8 (srcH x srcW) to CHW float in [-1, 1], taking the height x width window at (top, left),
 * mirrored left-right when `flip`. Coordinates outside the source reflect back into it (pad_and_crop
 * places the window in a padded frame; resize_and_crop's windows never leave the source).
 */
function toChw(hwc: Uint8Array, channels: number, srcH: number, srcW: number, top: number, left: number, height: number, width: number, flip: boolean): Float32Array {
  const out = new Float32Array(channels * height * width);
  const plane = height * width;
  for (let y = 0; y < height; y++) {
    const rowStart = reflect(top + y, srcH) * srcW * channels;
    for (let x = 0; x < width; x++) {
      const src = rowStart + reflect(left + (flip ? width - 1 - x : x), srcW) * channels;
      const dst = y * width + x;
      for (let c = 0; c < channels; c++) out[c * plane + dst] = (hwc[src + c] as number) / 127.5 - 1;
    }
  }
  return out;
}

/** The image at `path` as CHW float32 in [-1, 1], resized to exactly height x width. */
export async function loadImage(path: string, shape: ImageShape): Promise<Float32Array> {
  checkShape(shape);
  const { channels, height, width } = shape;
  const hwc = await decodeResized(path, channels, height, width);
  return toChw(hwc, channels, height, width, 0, 0, height, width, false);
}

/**
 * The training view of an image: a random height x width crop (see CropMode), random horizontal
 * flip, all drawn from `rng`.
 *
 * The random numbers are drawn synchronously, before the first await, and always three of them
 * (left, top, flip) whatever the options: so the stream of `rng` depends only on the order of
 * calls, never on how fast files decode, and a prefetcher that starts loads early stays
 * deterministic. `decode` gets the resized pixels (default: decode the file; the trainer passes a
 * DecodedImageCache's, which gives the same bytes).
 */
export async function loadTrainingImage(path: string, options: TrainingImageOptions, rng: Rng, decode: ResizedDecoder = decodeResized): Promise<Float32Array> {
  checkShape(options);
  const { channels, height, width, loadScale, flip, cropMode = 'resize_and_crop' } = options;
  if (!Number.isFinite(loadScale) || loadScale < 1) throw new ConfigError(`Expected a number >= 1 for loadScale but received ${String(loadScale)}`);
  const loadH = Math.round(height * loadScale);
  const loadW = Math.round(width * loadScale);
  const left = rng.int(loadW - width + 1);
  const top = rng.int(loadH - height + 1);
  const mirrored = rng.next() < 0.5 && flip;
  if (cropMode === 'pad_and_crop') {
    // The window moves over the image at its own size, framed by a mirrored border of half the room on each side.
    const hwc = await decode(path, channels, height, width);
    return toChw(hwc, channels, height, width, top - Math.floor((loadH - height) / 2), left - Math.floor((loadW - width) / 2), height, width, mirrored);
  }
  const hwc = await decode(path, channels, loadH, loadW);
  return toChw(hwc, channels, loadH, loadW, top, left, height, width, mirrored);
}
