/**
 * Translating at an image's own size (--keep_size): the generator is fully convolutional, but its two
 * stride-2 stages need height and width divisible by 4, so images are translated at their size rounded
 * to a multiple of 4 and resized back afterwards.
 */
import sharp from 'sharp';
import { DEFAULT_MAX_PIXELS, openImage, readImageFile } from './open_image.js';
import { encodeImage } from './image_write.js';
import { writeFileAtomic } from '../io/atomic_write.js';

export interface Size {
  height: number;
  width: number;
}

/** The size as displayed (EXIF orientation applied), from the header: the pixels are decoded once, later, by the loader. */
export async function orientedSize(path: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<Size> {
  const image = openImage(await readImageFile(path), maxPixels);
  const { autoOrient } = await image.metadata();
  if (autoOrient) return { height: autoOrient.height, width: autoOrient.width };
  // A sharp without metadata().autoOrient: decode to learn the displayed size.
  const { info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { height: info.height, width: info.width };
}

export function roundToMultipleOf4(n: number): number {
  return Math.max(4, Math.round(n / 4) * 4);
}

/** Writes a CHW image computed at `computed` size, resized back to `original`. */
export async function writeResized(path: string, chw: Float32Array, channels: 1 | 3, computed: Size, original: Size): Promise<void> {
  // PNG in between: lossless, so the only loss is the final JPEG's.
  const png = await encodeImage('intermediate.png', chw, { channels, ...computed });
  let pipeline = sharp(png).resize(original.width, original.height, { fit: 'fill', kernel: 'cubic' });
  if (channels === 1) pipeline = pipeline.toColourspace('b-w');
  const bytes = await (/\.png$/i.test(path) ? pipeline.png() : pipeline.jpeg({ quality: 95, chromaSubsampling: '4:4:4' })).toBuffer();
  writeFileAtomic(path, bytes);
}
