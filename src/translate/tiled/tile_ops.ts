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
 * One float32 buffer reused from tile to tile. Tiles are read and written one after another, and each
 * buffer is copied into a tensor or a store before the next use; a new array per tile cost the kernel's
 * zeroing of fresh pages, which took longer than the copies (a fifth of a tiled translation at ngf 64).
 */
class ReusedBuffer {
  #buffer = new Float32Array(0);
  /** A view of `n` floats, valid until the next take(). */
  take(n: number): Float32Array {
    if (this.#buffer.length < n) this.#buffer = new Float32Array(n);
    return this.#buffer.subarray(0, n);
  }
  release(): void {
    this.#buffer = new Float32Array(0);
  }
}

const readBuffer = new ReusedBuffer();
const writeBuffer = new ReusedBuffer();

/** Lets the tile buffers go (after a translation: they are as large as the largest tile). */
export function releaseTileBuffers(): void {
  readBuffer.release();
  writeBuffer.release();
}

/**
 * Rows [y0, y1) and columns [x0, x1) of `a` as a [1, h, w, C] tensor (the store's own layout), with its
 * transform applied. The transform runs as tensor ops, vectorised and on every thread; the layout change
 * to what a convolution reads is a view (readBox), since oneDNN convolves channels-last input directly.
 * Before, one JavaScript pass did the layout change and the transform: single-threaded, it left the other
 * cores idle for about a third of a tiled translation at ngf 64.
 */
export function readHwc(a: Activation, box: Box, device: string, reflect: Pads | null = null): Tensor {
  const { store } = a;
  const c = store.channels;
  const [l, r, t, b] = reflect ?? [0, 0, 0, 0];
  const [h, w] = [box.y1 - box.y0 + t + b, box.x1 - box.x0 + l + r];
  const values = readBuffer.take(h * w * c);
  if (reflect) readReflected(store, box, reflect, values);
  else store.read(box.y0, box.y1, box.x0, box.x1, values);
  let x = tensor(values, [1, h, w, c], { device });
  const { scale, shift } = a;
  if (scale) x = then(x, (v) => v.mul(tensor(scale, [c], { device })));
  if (shift) x = then(x, (v) => v.add(tensor(shift, [c], { device })));
  if (a.fn === 'relu') x = then(x, (v) => v.relu());
  else if (a.fn === 'tanh') x = then(x, (v) => v.tanh());
  return x;
}

/** Padding past the image border, [left, right, top, bottom]. */
export type Pads = [number, number, number, number];

/**
 * `box` widened by `pads` past the image border, channels last, into `out`, the widened part filled by
 * reflection as ReflectionPad2d fills it (the border row or column itself not repeated). Done while reading,
 * a copy of the border pixels, rather than by libtorch's reflection pad, which took 3x as long as on NCHW
 * tensors on channels-last ones (64 channels, 520 px: 95 ms against 30). The per-channel transform applied
 * after it commutes with reflection. Needs box.x0 = 0 when padding on the left (the read was clipped there),
 * and likewise on the other sides, as convTile's reads are.
 */
function readReflected(store: ActivationStore, box: Box, [l, r, t, b]: Pads, out: Float32Array): void {
  const c = store.channels;
  const inner = box.x1 - box.x0;
  const run = (inner + l + r) * c;
  const rows = box.y1 - box.y0 + t + b;
  const reflectIn = (v: number, n: number) => (v < 0 ? -v : v >= n ? 2 * (n - 1) - v : v);
  // Offset in a padded row of image column x, which lies inside the read.
  const at = (x: number) => (x - box.x0 + l) * c;
  for (let i = 0; i < rows; i++) {
    const y = reflectIn(box.y0 - t + i, store.height);
    const row = out.subarray(i * run, (i + 1) * run);
    store.read(y, y + 1, box.x0, box.x1, row.subarray(l * c, (l + inner) * c));
    for (let j = 0; j < l; j++) {
      const source = reflectIn(box.x0 - l + j, store.width);
      row.copyWithin(j * c, at(source), at(source) + c);
    }
    for (let j = 0; j < r; j++) {
      const source = reflectIn(box.x1 + j, store.width);
      row.copyWithin((l + inner + j) * c, at(source), at(source) + c);
    }
  }
}

/** readHwc as a [1, C, h, w] tensor (channels-last in memory) on `device`. */
export function readBox(a: Activation, box: Box, device: string, reflect: Pads | null = null): Tensor {
  return then(readHwc(a, box, device, reflect), (t) => t.permute([0, 3, 1, 2]));
}

/**
 * Per-channel mean and sum of squared deviations of a [1, C, h, w] tile, as tensor ops (float32 sums,
 * which libtorch accumulates pairwise), merged into `stats` in float64.
 */
function addTileStats(stats: ChannelStats, t: Tensor): void {
  const [, c, h, w] = t.shape as [number, number, number, number];
  tidy(() => {
    const mean = t.mean([0, 2, 3], true);
    const m2 = t.sub(mean).square().sum([0, 2, 3]);
    stats.merge(h * w, mean.toFloat32(), m2.toFloat32(), c);
  });
}

/** Writes a [1, C, h, w] tensor into `store` at (y0, x0), adding it to `stats` on the way. */
export function writeBox(store: ActivationStore, y0: number, x0: number, t: Tensor, stats: ChannelStats | null = null): void {
  const [, , , w] = t.shape as [number, number, number, number];
  if (stats) addTileStats(stats, t);
  // A no-op copy when the convolution wrote channels-last, as it does for channels-last input.
  store.write(y0, x0, w, tidy(() => t.permute([0, 2, 3, 1]).toFloat32Into(writeBuffer.take(t.size))));
}

/** Writes a [1, h, w, C] tensor into `store` at (y0, x0). */
export function writeHwc(store: ActivationStore, y0: number, x0: number, t: Tensor): void {
  store.write(y0, x0, t.shape[2] as number, t.toFloat32Into(writeBuffer.take(t.size)));
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
  const pads: Pads = [read.x0 - fx, lx + 1 - read.x1, read.y0 - fy, ly + 1 - read.y1];
  const padded = pads.some((p) => p > 0);
  tidy(() => {
    // Reflection is filled in while reading; zeros go on after the transform, which would change them.
    let x = readBox(input, read, device, padded && padding.mode === 'reflect' ? pads : null);
    if (padded && padding.mode === 'zero') x = then(x, (t) => pad2d(t, pads, 'constant', 0));
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
