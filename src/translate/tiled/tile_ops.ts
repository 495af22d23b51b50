/**
 * One tile of one plan step. A tile is a box of the step's output; the box of input it needs (its halo)
 * follows from the kernel, stride and padding, and is read from the whole stored input, so neighbouring
 * tiles overlap in what they read but never in what they write. Padding is applied per tile only on the
 * sides where the tile meets the image border (reflection or zeros, as the layer would); inside the
 * image the halo holds the real neighbours. Every step tiles its own output, so strides need no alignment
 * between steps.
 */
import { conv2d, pad2d, tensor, tidy, type Tensor } from '../../engine/index.js';
import type { Conv2d, ConvTranspose2d } from '../../engine/index.js';
import type { ActivationStore } from './activation_store.js';
import type { ChannelStats } from './channel_stats.js';

/** A stored activation and what reading it applies: x * scale + shift per channel, then the activation. */
export interface Activation {
  store: ActivationStore;
  scale: Float32Array | null;
  shift: Float32Array | null;
  fn: 'none' | 'relu' | 'tanh';
}

export interface Box {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/**
 * `fn(t)`, then frees `t` at once: a tile's intermediates are as large as the tile, and freeing each as
 * soon as the next exists (rather than at the end of a tidy scope) keeps the working set to two of them.
 */
export function then(t: Tensor, fn: (t: Tensor) => Tensor): Tensor {
  const next = fn(t);
  if (next !== t) t.dispose();
  return next;
}

/**
 * Rows [y0, y1) and columns [x0, x1) of `a`, channels first, with its transform applied: one pass in
 * JavaScript doing the layout change, scale, shift and activation together. As libtorch ops these were
 * six passes, each a parallel region whose threads meet at a barrier: per tile, on a busy machine, that
 * cost more than the convolution.
 */
export function readChw(a: Activation, box: Box): Float32Array {
  const { store } = a;
  const c = store.channels;
  const hwc = store.read(box.y0, box.y1, box.x0, box.x1);
  const plane = (box.y1 - box.y0) * (box.x1 - box.x0);
  const chw = new Float32Array(c * plane);
  const relu = a.fn === 'relu';
  const tanh = a.fn === 'tanh';
  const scale = a.scale ?? new Float32Array(c).fill(1);
  const shift = a.shift ?? new Float32Array(c);
  // Pixel by pixel: the source is read in order and each of the C planes is written in order (one
  // pass over memory; channel by channel would sweep the whole source C times).
  for (let i = 0, j = 0; i < plane; i++) {
    for (let ch = 0, k = i; ch < c; ch++, j++, k += plane) {
      let v = (hwc[j] as number) * (scale[ch] as number) + (shift[ch] as number);
      if (relu && v < 0) v = 0;
      else if (tanh) v = Math.tanh(v);
      chw[k] = v;
    }
  }
  return chw;
}

/** readChw as a [1, C, h, w] tensor on `device`. */
export function readBox(a: Activation, box: Box, device: string): Tensor {
  return tensor(readChw(a, box), [1, a.store.channels, box.y1 - box.y0, box.x1 - box.x0], { device });
}

/** Writes a [1, C, h, w] tensor into `store` at (y0, x0), adding it to `stats` on the way (the same single pass as readChw). */
export function writeBox(store: ActivationStore, y0: number, x0: number, t: Tensor, stats: ChannelStats | null = null): void {
  const [, c, h, w] = t.shape as [number, number, number, number];
  const chw = t.toFloat32();
  stats?.addPlanes(chw, c);
  const plane = h * w;
  const hwc = new Float32Array(chw.length);
  for (let i = 0, j = 0; i < plane; i++) for (let ch = 0, k = i; ch < c; ch++, j++, k += plane) hwc[j] = chw[k] as number;
  store.write(y0, x0, w, hwc);
}

/** Output boxes of `tile` x `tile` covering height x width, row by row. */
export function tiles(height: number, width: number, tile: number): Box[] {
  const out: Box[] = [];
  for (let y0 = 0; y0 < height; y0 += tile) for (let x0 = 0; x0 < width; x0 += tile) out.push({ y0, y1: Math.min(height, y0 + tile), x0, x1: Math.min(width, x0 + tile) });
  return out;
}

/** Input range [first, last] (may reach past the image, into the padding) that outputs [o0, o1) of a convolution read. */
function convInputRange(o0: number, o1: number, kernel: number, stride: number, pad: number): [number, number] {
  return [o0 * stride - pad, (o1 - 1) * stride - pad + kernel - 1];
}

/** One output tile of a convolution whose padding is `padding`; accumulates `stats` when given. */
export function convTile(input: Activation, layer: Conv2d, padding: { mode: 'reflect' | 'zero'; size: number }, out: ActivationStore, box: Box, device: string, stats: ChannelStats | null): void {
  const { height, width } = input.store;
  const stride = layer.options.stride ?? 1;
  const [fy, ly] = convInputRange(box.y0, box.y1, layer.kernelSize, stride, padding.size);
  const [fx, lx] = convInputRange(box.x0, box.x1, layer.kernelSize, stride, padding.size);
  const read: Box = { y0: Math.max(0, fy), y1: Math.min(height - 1, ly) + 1, x0: Math.max(0, fx), x1: Math.min(width - 1, lx) + 1 };
  // What lies past the image border on each side: [left, right, top, bottom].
  const pads: [number, number, number, number] = [read.x0 - fx, lx + 1 - read.x1, read.y0 - fy, ly + 1 - read.y1];
  tidy(() => {
    let x = readBox(input, read, device);
    if (pads.some((p) => p > 0)) x = then(x, (t) => pad2d(t, pads, padding.mode === 'reflect' ? 'reflect' : 'constant', 0));
    // The layer's own precision, when the model fixed one, as its forward would use.
    const y = then(x, (t) => conv2d(t, layer.weight, layer.bias, { stride, padding: 0, precision: layer.precision ?? undefined }));
    writeBox(out, box.y0, box.x0, y, stats);
  });
}

/**
 * Input range [a, b] (clipped to the image) holding every input that reaches outputs [o0, o1) of a
 * transposed convolution, widened until running the layer itself on it covers those outputs: output o of
 * the layer on inputs [a, b] is output o + a * stride of the whole.
 */
function transposeInputRange(o0: number, o1: number, n: number, layer: ConvTranspose2d): [number, number] {
  const s = layer.options.stride ?? 1;
  const p = layer.options.padding ?? 0;
  const op = layer.options.outputPadding ?? 0;
  const k = layer.kernelSize;
  let a = Math.max(0, Math.ceil((o0 + p - k + 1) / s));
  let b = Math.min(n - 1, Math.floor((o1 - 1 + p) / s));
  while (a > 0 && a * s > o0) a--;
  while (b < n - 1 && (b - a) * s - 2 * p + k + op < o1 - a * s) b++;
  return [a, b];
}

/** One output tile of a transposed convolution, run as the layer itself (so its fast path applies) on the input range and cropped. */
export function convTransposeTile(input: Activation, layer: ConvTranspose2d, out: ActivationStore, box: Box, device: string, stats: ChannelStats | null): void {
  const s = layer.options.stride ?? 1;
  const [ya, yb] = transposeInputRange(box.y0, box.y1, input.store.height, layer);
  const [xa, xb] = transposeInputRange(box.x0, box.x1, input.store.width, layer);
  tidy(() => {
    const x = readBox(input, { y0: ya, y1: yb + 1, x0: xa, x1: xb + 1 }, device);
    const full = then(x, (t) => layer.forward(t));
    const y = full.slice(2, box.y0 - ya * s, box.y1 - ya * s).slice(3, box.x0 - xa * s, box.x1 - xa * s);
    writeBox(out, box.y0, box.x0, y, stats);
  });
}
