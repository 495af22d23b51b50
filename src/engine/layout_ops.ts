/**
 * Padding and joining, the ops both functional.ts and subpixel_transpose.ts build on; apart from
 * both, so neither imports the other's module in a circle.
 */
import { native, type MemoryFormat, type PadMode } from './native.js';
import { run, Tensor } from './tensor.js';

/** Pads the last two dimensions: `pads` is [left, right, top, bottom] or one number for all four. */
export function pad2d(x: Tensor, pads: number | [number, number, number, number], mode: PadMode = 'constant', value = 0): Tensor {
  const p = typeof pads === 'number' ? [pads, pads, pads, pads] : [...pads];
  return new Tensor(run(`${mode}_pad2d`, [x, p], () => native().pad(x.handle, p, mode, value)));
}

/**
 * `x` in memory format `format`: x itself when it is in it already, else a copy (oneDNN's reorder for 4-D float32
 * on the CPU). Unlike contiguous(), the backward hands the gradient back in x's own format, so a run of layers
 * kept channels-last gets channels-last gradients throughout (the ResNet generator's blocks).
 */
export function relayout(x: Tensor, format: MemoryFormat): Tensor {
  if (x.isContiguous(format)) return x;
  return new Tensor(run('relayout', [x], () => native().relayout(x.handle, format)));
}

export function cat(xs: Tensor[], dim = 0): Tensor {
  return new Tensor(run('cat', [xs], () => native().cat(xs.map((x) => x.handle), dim)));
}

export function stack(xs: Tensor[], dim = 0): Tensor {
  return new Tensor(run('stack', [xs], () => native().stack(xs.map((x) => x.handle), dim)));
}

/**
 * Four [N, C, H, W] phases into one [N, C, 2H, 2W]: out[2m + a, 2j + b] = phases[2a + b][m, j]. On the CPU in
 * float32 one native pass each way (native/ops_interleave.cc); elsewhere two stacks along a new last
 * dimension and one along the rows.
 */
export function interleavePhases(phases: [Tensor, Tensor, Tensor, Tensor]): Tensor {
  const [p00, p01, p10, p11] = phases;
  if (phases.every((p) => p.device === 'cpu' && p.dtype === 'float32')) {
    return new Tensor(run('interleavePhases', [phases], () => native().interleavePhases(phases.map((p) => p.handle))));
  }
  const [n, c, h, w] = p00.shape;
  const interleave = (p: Tensor, q: Tensor, dim: number, shape: number[]) => {
    const stacked = stack([p, q], dim);
    const out = stacked.reshape(shape);
    stacked.dispose();
    return out;
  };
  const even = interleave(p00, p01, 4, [n, c, h, 2 * w]);
  const odd = interleave(p10, p11, 4, [n, c, h, 2 * w]);
  const out = interleave(even, odd, 3, [n, c, 2 * h, 2 * w]);
  even.dispose();
  odd.dispose();
  return out;
}
