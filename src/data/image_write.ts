/**
 * Writing network outputs (CHW float32 in [-1, 1]) as image files, and laying several images side
 * by side for sample sheets (source | translation | reconstruction).
 */
import { extname } from 'node:path';
import sharp from 'sharp';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import type { ImageShape } from './decode.js';

/** A CHW float32 image together with its shape. */
export interface ChwImage extends ImageShape {
  readonly data: Float32Array;
}

function checkData(data: Float32Array, shape: ImageShape, what: string): void {
  const expected = shape.channels * shape.height * shape.width;
  if (data.length !== expected) {
    throw new ConfigError(
      `Expected ${what} to hold channels x height x width = ${shape.channels}x${shape.height}x${shape.width} = ${expected} values but received ${data.length}`,
    );
  }
}

/** [-1, 1] CHW to 0..255 HWC, rounding and clamping (NaN becomes 0). */
function toHwcBytes(chw: Float32Array, { channels, height, width }: ImageShape): Buffer {
  const out = Buffer.alloc(chw.length);
  const plane = height * width;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane; i++) {
      const v = Math.round(((chw[c * plane + i] as number) + 1) * 127.5);
      out[i * channels + c] = v > 255 ? 255 : v >= 0 ? v : 0;
    }
  }
  return out;
}

/** Encodes to JPEG (quality 95, 4:4:4) or PNG according to the extension of `path`; 1-channel images stay grayscale. */
export async function encodeImage(path: string, chw: Float32Array, shape: ImageShape): Promise<Buffer> {
  checkData(chw, shape, 'the image');
  const ext = extname(path).toLowerCase();
  if (ext !== '.png' && ext !== '.jpg' && ext !== '.jpeg') {
    throw new ConfigError(`Expected an output file name ending in .png, .jpg or .jpeg but received ${path}`);
  }
  let image = sharp(toHwcBytes(chw, shape), { raw: { width: shape.width, height: shape.height, channels: shape.channels } });
  // Without this, sharp converts single-band output to 3-band sRGB.
  if (shape.channels === 1) image = image.toColourspace('b-w');
  // Full-resolution chroma: 4:2:0 visibly smears the colour edges that translations are judged on.
  return ext === '.png' ? image.png().toBuffer() : image.jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
}

/** Writes the image atomically (temporary file, then rename), so a reader never sees half a file. */
export async function writeImage(path: string, chw: Float32Array, shape: ImageShape): Promise<void> {
  writeFileAtomic(path, await encodeImage(path, chw, shape));
}

/**
 * The images side by side, left to right, as one CHW image. Heights must match. When channel
 * counts differ (a grayscale source next to an RGB translation), 1-channel images are repeated
 * into 3 so every panel shows.
 */
export function tileImages(images: readonly ChwImage[]): ChwImage {
  const first = images[0];
  if (!first) throw new ConfigError('Expected at least one image to tile but received none');
  const height = first.height;
  const channels: 1 | 3 = images.some((im) => im.channels === 3) ? 3 : 1;
  let width = 0;
  images.forEach((im, i) => {
    checkData(im.data, im, `image ${i}`);
    if (im.height !== height) throw new ConfigError(`Expected every tiled image to be ${height} pixels high but image ${i} is ${im.height}`);
    width += im.width;
  });
  const data = new Float32Array(channels * height * width);
  let x0 = 0;
  for (const im of images) {
    const plane = im.height * im.width;
    for (let c = 0; c < channels; c++) {
      const srcC = im.channels === 1 ? 0 : c;
      for (let y = 0; y < height; y++) {
        const src = srcC * plane + y * im.width;
        data.set(im.data.subarray(src, src + im.width), c * height * width + y * width + x0);
      }
    }
    x0 += im.width;
  }
  return { data, channels, height, width };
}
