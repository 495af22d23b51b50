/**
 * A transposed convolution with kernel 3, stride 2, padding 1 and output padding 1 (the generator's
 * upsampling layers) rewritten as four ordinary convolutions, one per output phase, interleaved:
 * out[2m+a, 2n+b] takes kernel rows {1} for a = 0 and {2, 0} (input rows m, m+1) for a = 1, and likewise
 * for columns. Same arithmetic and FLOPs, but made of conv2d calls, which oneDNN runs 3x faster than
 * libtorch 1.13's CPU conv_transpose2d (im2col + BLAS) in float32.
 */
import { interleavePhases } from './layout_ops.js';
import { tidy } from './scope.js';
import type { Tensor } from './tensor.js';
import { castWeight } from './weight_cast_cache.js';

export function isSubpixelCase(weight: Tensor, o: { stride?: number | number[]; padding?: number | number[]; outputPadding?: number | number[]; groups?: number; dilation?: number | number[] }): boolean {
  const is = (v: number | number[] | undefined, want: number, dflt: number) => (Array.isArray(v) ? v.every((x) => x === want) : (v ?? dflt) === want);
  const [, , kh, kw] = weight.shape;
  return kh === 3 && kw === 3 && is(o.stride, 2, 1) && is(o.padding, 1, 0) && is(o.outputPadding, 1, 0) && (o.groups ?? 1) === 1 && is(o.dilation, 1, 1);
}

/** A convolution of `x` by `w`, zero-padded by [top, bottom, left, right]. */
export type PaddedConv = (x: Tensor, w: Tensor, bias: Tensor | null, padding: [number, number, number, number]) => Tensor;

/**
 * `conv` is the 2-D convolution to use for each phase (the caller's precision applies). Each output pixel comes
 * from exactly one phase, so each phase's convolution adds the bias: a separate add over the whole output, and its
 * backward's sum, took two more passes. The odd phases read one zero row or column past the edge as the
 * convolution's own padding on that side (oneDNN pads each side as asked): a padded copy of x, sliced three ways,
 * and the backward of those slices took 50 ms of a 128 px bfloat16 step on one thread (Intel Xeon).
 */
export function subpixelTranspose(x: Tensor, weight: Tensor, bias: Tensor | null, conv: PaddedConv): Tensor {
  // Taps for input offset 0 then 1: rows/columns [1] for even outputs, [2, 0] for odd ones.
  const pick = (t: Tensor, dim: number, odd: boolean) => (odd ? t.flip([dim]).slice(dim, 0, 3, 2) : t.slice(dim, 1, 2));
  // Intermediates are released as soon as they are used (autograd keeps what backward needs).
  const temps: Tensor[] = [];
  const keepUntilEnd = <T extends Tensor>(t: T): T => (temps.push(t), t);
  // A phase's kernel, [out, in, 1 or 2, 1 or 2] in the layout conv2d expects, is made once per withWeightCasts scope
  // (a step runs each generator three times with the same weights): flipping and copying it at every call took
  // 46 ms of a 128 px step (aten-level profile, one thread), and peak RSS at 128 px bf16 fell by 30 MB.
  const kernel = (a: boolean, b: boolean) => {
    const made = castWeight(weight, (w) => tidy(() => pick(pick(w.transpose(0, 1), 2, a), 3, b).contiguous()), `subpixel phase ${Number(a)}${Number(b)}`);
    return made.shared ? made.value : keepUntilEnd(made.value);
  };
  // Phase (a, b) reads rows m and m + 1 when a is odd (so one zero row below the last), columns likewise for b.
  const phase = (a: boolean, b: boolean) => keepUntilEnd(conv(x, kernel(a, b), bias, [0, Number(a), 0, Number(b)]));
  const y = interleavePhases([phase(false, false), phase(false, true), phase(true, false), phase(true, true)]);
  for (const t of temps) t.dispose();
  return y;
}
