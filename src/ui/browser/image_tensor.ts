/**
 * Pixels to the exported model's input and back: NCHW float32 scaled to [-1, 1] (pixel / 127.5 - 1),
 * grayscale by PIL's ITU-R 601-2 luma as training uses, alpha dropped.
 */

export function pixelsToTensor(rgba: Uint8ClampedArray, width: number, height: number, channels: 1 | 3): Float32Array {
  const plane = width * height;
  const out = new Float32Array(channels * plane);
  for (let i = 0; i < plane; i++) {
    const r = rgba[4 * i];
    const g = rgba[4 * i + 1];
    const b = rgba[4 * i + 2];
    if (channels === 1) {
      out[i] = ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) / 127.5 - 1;
    } else {
      out[i] = r / 127.5 - 1;
      out[plane + i] = g / 127.5 - 1;
      out[2 * plane + i] = b / 127.5 - 1;
    }
  }
  return out;
}

export function tensorToPixels(data: Float32Array, width: number, height: number, channels: number): ImageData {
  const plane = width * height;
  const image = new ImageData(width, height);
  const byte = (v: number) => Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
  for (let i = 0; i < plane; i++) {
    const r = byte(data[i]);
    image.data[4 * i] = r;
    image.data[4 * i + 1] = channels === 3 ? byte(data[plane + i]) : r;
    image.data[4 * i + 2] = channels === 3 ? byte(data[2 * plane + i]) : r;
    image.data[4 * i + 3] = 255;
  }
  return image;
}
