/**
 * Padding and joining, the ops both functional.ts and subpixel_transpose.ts build on; apart from
 * both, so neither imports the other's module in a circle.
 */
import { native, type PadMode } from './native.js';
import { run, Tensor } from './tensor.js';

/** Pads the last two dimensions: `pads` is [left, right, top, bottom] or one number for all four. */
export function pad2d(x: Tensor, pads: number | [number, number, number, number], mode: PadMode = 'constant', value = 0): Tensor {
  const p = typeof pads === 'number' ? [pads, pads, pads, pads] : [...pads];
  return new Tensor(run(`${mode}_pad2d`, [x, p], () => native().pad(x.handle, p, mode, value)));
}

export function cat(xs: Tensor[], dim = 0): Tensor {
  return new Tensor(run('cat', [xs], () => native().cat(xs.map((x) => x.handle), dim)));
}

export function stack(xs: Tensor[], dim = 0): Tensor {
  return new Tensor(run('stack', [xs], () => native().stack(xs.map((x) => x.handle), dim)));
}
