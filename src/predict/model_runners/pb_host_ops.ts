/**
 * The integer side of a TensorFlow graph: shapes, sizes, paddings and axes. These are a handful of
 * small vectors, so the .pb runner keeps them on the host as plain numbers instead of engine tensors,
 * and computes Shape / StridedSlice / Pack / Mul / Add on them in JavaScript.
 */

export interface HostInts {
  readonly kind: 'ints';
  readonly shape: number[];
  readonly values: number[];
}

export function hostInts(values: number[], shape: number[] = [values.length]): HostInts {
  return { kind: 'ints', shape, values };
}

type Fail = (message: string) => never;

/** Elementwise op with the broadcasts integer graphs use: equal shapes, or one side a single value. */
export function hostBinary(a: HostInts, b: HostInts, f: (x: number, y: number) => number, fail: Fail): HostInts {
  const [na, nb] = [a.values.length, b.values.length];
  if (na !== nb && na !== 1 && nb !== 1) fail(`cannot broadcast integer shapes [${a.shape}] and [${b.shape}]`);
  const n = Math.max(na, nb);
  const values = Array.from({ length: n }, (_, i) => f(a.values[na === 1 ? 0 : i], b.values[nb === 1 ? 0 : i]) | 0);
  return hostInts(values, na >= nb ? a.shape : b.shape);
}

export interface SliceMasks {
  begin: number;
  end: number;
  ellipsis: number;
  newAxis: number;
  shrink: number;
}

export interface SliceDim {
  start: number;
  stop: number;
  step: number;
  /** The dimension is indexed (shrink_axis_mask) and so removed. */
  shrink: boolean;
}

/** TensorFlow's StridedSlice rules, one dimension at a time: negative indices count from the end, masks take the whole range, out-of-range indices clamp. */
export function stridedSliceSpec(shape: readonly number[], begin: number[], end: number[], strides: number[], masks: SliceMasks, fail: Fail): SliceDim[] {
  if (masks.ellipsis || masks.newAxis) fail('uses ellipsis_mask or new_axis_mask, which the .pb runner does not support');
  if (begin.length !== end.length || begin.length !== strides.length) fail(`has begin, end and strides of different lengths (${begin.length}, ${end.length}, ${strides.length})`);
  if (begin.length > shape.length) fail(`slices ${begin.length} dimensions of a rank-${shape.length} tensor`);
  return shape.map((size, i) => {
    if (i >= begin.length) return { start: 0, stop: size, step: 1, shrink: false };
    const step = strides[i];
    if (step === 0) fail('has a zero stride');
    const norm = (v: number): number => (v < 0 ? v + size : v);
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
    const bit = 1 << i;
    if (masks.shrink & bit) {
      const index = norm(begin[i]);
      if (index < 0 || index >= size) fail(`indexes ${begin[i]} in a dimension of size ${size}`);
      return { start: index, stop: index + 1, step: 1, shrink: true };
    }
    if (step > 0) {
      const start = masks.begin & bit ? 0 : clamp(norm(begin[i]), 0, size);
      const stop = masks.end & bit ? size : clamp(norm(end[i]), 0, size);
      return { start, stop: Math.max(start, stop), step, shrink: false };
    }
    const start = masks.begin & bit ? size - 1 : clamp(norm(begin[i]), -1, size - 1);
    const stop = masks.end & bit ? -1 : clamp(norm(end[i]), -1, size - 1);
    return { start, stop: Math.min(start, stop), step, shrink: false };
  });
}

/** StridedSlice of a scalar-or-vector integer value. */
export function hostStridedSlice(x: HostInts, spec: SliceDim[], fail: Fail): HostInts {
  if (x.shape.length !== 1) fail(`slices an integer tensor of shape [${x.shape}]; the .pb runner slices integer vectors only`);
  const [{ start, stop, step, shrink }] = spec;
  const values: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) values.push(x.values[i]);
  return hostInts(values, shrink ? [] : [values.length]);
}

/** Pack of integer scalars (into a vector) or of equal-length vectors (into a matrix, along `axis`). */
export function hostPack(xs: HostInts[], axis: number, fail: Fail): HostInts {
  const rank = xs[0].shape.length;
  if (rank > 1 || xs.some((x) => x.shape.join() !== xs[0].shape.join())) fail('packs integer values that are not scalars or vectors of one length');
  if (rank === 0) return hostInts(xs.map((x) => x.values[0]));
  const length = xs[0].values.length;
  const a = axis < 0 ? axis + 2 : axis;
  if (a === 0) return hostInts(xs.flatMap((x) => x.values), [xs.length, length]);
  return hostInts(Array.from({ length: length * xs.length }, (_, k) => xs[k % xs.length].values[Math.floor(k / xs.length)]), [length, xs.length]);
}
