/**
 * TensorFlow ops on our engine, for the .pb runner: the op set a frozen image-to-image graph uses
 * (see SUPPORTED_OPS). Float tensors live in the engine in the graph's own layout (NHWC unless an op
 * says data_format NCHW); convolutions view them as NCHW through a permute, which costs no copy.
 * Integer tensors (shapes, paddings, axes) stay on the host (pb_host_ops.ts).
 */
import { cat, conv2d, convTranspose2d, pad2d, stack, Tensor } from '../../engine/index.js';
import type { NodeAttrs } from './pb_graph.js';
import { hostBinary, hostInts, hostPack, hostStridedSlice, stridedSliceSpec, type HostInts } from './pb_host_ops.js';

export type Value = Tensor | HostInts;
export type Kernel = (inputs: Value[], attrs: NodeAttrs) => Value;

function arity(inputs: Value[], n: number, attrs: NodeAttrs): void {
  if (inputs.length < n) attrs.fail(`has ${inputs.length} inputs; expected ${n}`);
}

function float(inputs: Value[], i: number, attrs: NodeAttrs): Tensor {
  const v = inputs[i];
  if (!(v instanceof Tensor)) return attrs.fail(`expects a float tensor as input ${i} but received integers of shape [${v.shape}]`);
  return v;
}

function ints(inputs: Value[], i: number, attrs: NodeAttrs): HostInts {
  const v = inputs[i];
  if (v instanceof Tensor) return attrs.fail(`expects constant integers (sizes, paddings or axes) as input ${i} but received a float tensor`);
  return v;
}

type Layout = 'NHWC' | 'NCHW';

function layout(attrs: NodeAttrs): Layout {
  const format = attrs.string('data_format', 'NHWC');
  if (format !== 'NHWC' && format !== 'NCHW') attrs.fail(`has data_format '${format}'; expected NHWC or NCHW`);
  return format;
}

/** Indices of H and W in a 4-element attribute (strides, dilations, sizes) of this layout. */
const spatial = (format: Layout): [number, number] => (format === 'NHWC' ? [1, 2] : [2, 3]);
const toNchw = (x: Tensor, format: Layout): Tensor => (format === 'NHWC' ? x.permute([0, 3, 1, 2]) : x);
const fromNchw = (x: Tensor, format: Layout): Tensor => (format === 'NHWC' ? x.permute([0, 2, 3, 1]) : x);

interface ConvGeometry {
  format: Layout;
  stride: [number, number];
  dilation: [number, number];
  /** Padding before and after, for H then W, given the unpadded size and the size a forward conv produces. */
  padding(inSize: [number, number], kernel: [number, number], outSize?: [number, number]): [number, number, number, number];
}

function convGeometry(attrs: NodeAttrs): ConvGeometry {
  const format = layout(attrs);
  const [hi, wi] = spatial(format);
  const strides = attrs.ints('strides');
  const dilations = attrs.ints('dilations', [1, 1, 1, 1]);
  const mode = attrs.string('padding');
  const stride: [number, number] = [strides[hi], strides[wi]];
  const dilation: [number, number] = [dilations[hi], dilations[wi]];
  if (![...stride, ...dilation].every((v) => Number.isInteger(v) && v >= 1)) attrs.fail(`has strides [${strides}] or dilations [${dilations}] that are not positive in H and W`);
  return {
    format,
    stride,
    dilation,
    padding(inSize, kernel, outSize) {
      if (mode === 'VALID') return [0, 0, 0, 0];
      if (mode === 'EXPLICIT') {
        const p = attrs.ints('explicit_paddings');
        return [p[2 * hi], p[2 * hi + 1], p[2 * wi], p[2 * wi + 1]];
      }
      if (mode !== 'SAME') attrs.fail(`has padding '${mode}'; expected VALID, SAME or EXPLICIT`);
      // TensorFlow's SAME: output ceil(in / stride), the padding split with the extra row after.
      const pads = [0, 1].flatMap((d) => {
        const span = (kernel[d] - 1) * dilation[d] + 1;
        const out = outSize?.[d] ?? Math.ceil(inSize[d] / stride[d]);
        const total = Math.max((out - 1) * stride[d] + span - inSize[d], 0);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      });
      return pads as [number, number, number, number];
    },
  };
}

function conv2dOp(inputs: Value[], attrs: NodeAttrs): Tensor {
  arity(inputs, 2, attrs);
  const [x, filter] = [float(inputs, 0, attrs), float(inputs, 1, attrs)];
  const g = convGeometry(attrs);
  const xn = toNchw(x, g.format);
  const [kh, kw, cin] = filter.shape;
  if (filter.rank !== 4 || cin !== xn.shape[1]) attrs.fail(`has a [${filter.shape}] filter for ${xn.shape[1]} input channels; expected [kh, kw, ${xn.shape[1]}, out] (grouped convolutions are not supported)`);
  const [top, bottom, left, right] = g.padding([xn.shape[2], xn.shape[3]], [kh, kw]);
  // PyTorch pads symmetrically; TensorFlow's SAME may not, and then the padding goes in first.
  const symmetric = top === bottom && left === right;
  const input = symmetric ? xn : pad2d(xn, [left, right, top, bottom], 'constant', 0);
  const padding: [number, number] = symmetric ? [top, left] : [0, 0];
  const y = conv2d(input, filter.permute([3, 2, 0, 1]), null, { stride: g.stride, dilation: g.dilation, padding });
  return fromNchw(y, g.format);
}

/** `length` rows of `x` along `dim` from `start`, with zero rows added where the range runs past the end. */
function window(x: Tensor, dim: 2 | 3, start: number, length: number): Tensor {
  const available = x.shape[dim];
  const cut = x.slice(dim, start, Math.min(start + length, available));
  const extra = start + length - available;
  if (extra <= 0) return cut;
  return pad2d(cut, dim === 3 ? [0, extra, 0, 0] : [0, 0, 0, extra], 'constant', 0);
}

/** The gradient of Conv2D with respect to its input, which is how TensorFlow spells a transposed convolution. */
function conv2dBackpropInputOp(inputs: Value[], attrs: NodeAttrs): Tensor {
  arity(inputs, 3, attrs);
  const [sizes, filter, dy] = [ints(inputs, 0, attrs), float(inputs, 1, attrs), float(inputs, 2, attrs)];
  const g = convGeometry(attrs);
  const [hi, wi] = spatial(g.format);
  const dyn = toNchw(dy, g.format);
  const [kh, kw, cout, cin] = filter.shape;
  if (filter.rank !== 4 || cin !== dyn.shape[1]) attrs.fail(`has a [${filter.shape}] filter for out_backprop with ${dyn.shape[1]} channels; expected [kh, kw, out, ${dyn.shape[1]}]`);
  const size: [number, number] = [sizes.values[hi], sizes.values[wi]];
  const got: [number, number] = [dyn.shape[2], dyn.shape[3]];
  const [top, bottom, left, right] = g.padding(size, [kh, kw], got);
  // TensorFlow rejects input_sizes that a forward conv would not map onto out_backprop; so do we.
  const forward = [0, 1].map((d) => Math.floor((size[d] + [top + bottom, left + right][d] - ((([kh, kw][d] - 1) * g.dilation[d]) + 1)) / g.stride[d]) + 1);
  if (forward[0] !== got[0] || forward[1] !== got[1] || sizes.values.length !== 4) {
    attrs.fail(`has input_sizes [${sizes.values}] that a convolution would not map onto out_backprop of shape [${dy.shape}]`);
  }
  const full = convTranspose2d(dyn, filter.permute([3, 2, 0, 1]), null, { stride: g.stride, dilation: g.dilation });
  const y = window(window(full, 2, top, size[0]), 3, left, size[1]);
  if (y.shape[1] !== cout) attrs.fail(`produces ${y.shape[1]} channels but input_sizes asks for ${sizes.values[g.format === 'NHWC' ? 3 : 1]}`);
  return fromNchw(y, g.format);
}

function biasAddOp(inputs: Value[], attrs: NodeAttrs): Tensor {
  arity(inputs, 2, attrs);
  const [x, bias] = [float(inputs, 0, attrs), float(inputs, 1, attrs)];
  if (layout(attrs) === 'NHWC' || x.rank < 3) return x.add(bias);
  return x.add(bias.reshape([bias.size, ...Array<number>(x.rank - 2).fill(1)]));
}

/** Pads the (at most two) dimensions `pairs` names, by moving them last: the engine pads the last two. */
function padOp(mode: 'reflect' | 'constant') {
  return (inputs: Value[], attrs: NodeAttrs): Tensor => {
    arity(inputs, 2, attrs);
    const [x, paddings] = [float(inputs, 0, attrs), ints(inputs, 1, attrs)];
    if (mode === 'reflect') {
      const m = attrs.string('mode');
      if (m !== 'REFLECT') attrs.fail(`has mode '${m}'; the .pb runner supports REFLECT only`);
    }
    if (paddings.values.length !== 2 * x.rank) attrs.fail(`has paddings of shape [${paddings.shape}] for a rank-${x.rank} input; expected [${x.rank}, 2]`);
    const padded = [...Array(x.rank).keys()].filter((d) => paddings.values[2 * d] !== 0 || paddings.values[2 * d + 1] !== 0);
    if (padded.length === 0) return x;
    if (x.rank !== 4 || padded.length > 2) attrs.fail(`pads dimensions [${padded}] of a rank-${x.rank} tensor; the .pb runner pads at most two dimensions of a 4-D tensor`);
    const order = [...[0, 1, 2, 3].filter((d) => !padded.includes(d)), ...padded];
    const inverse = order.map((_, d) => order.indexOf(d));
    const p = (d: number, side: 0 | 1): number => paddings.values[2 * order[d] + side];
    return pad2d(x.permute(order), [p(3, 0), p(3, 1), p(2, 0), p(2, 1)], mode, 0).permute(inverse);
  };
}

function meanOp(inputs: Value[], attrs: NodeAttrs): Tensor {
  arity(inputs, 2, attrs);
  const [x, axes] = [float(inputs, 0, attrs), ints(inputs, 1, attrs)];
  const dims = axes.values.map((a) => (a < 0 ? a + x.rank : a));
  if (dims.some((d) => d < 0 || d >= x.rank)) attrs.fail(`reduces axes [${axes.values}] of a rank-${x.rank} tensor`);
  return x.mean(dims, attrs.bool('keep_dims', false));
}

function binaryOp(onTensors: (a: Tensor, b: Tensor) => Tensor, onInts: (a: number, b: number) => number): Kernel {
  return (inputs, attrs) => {
    arity(inputs, 2, attrs);
    const [a, b] = inputs;
    if (a instanceof Tensor && b instanceof Tensor) return onTensors(a, b);
    if (!(a instanceof Tensor) && !(b instanceof Tensor)) return hostBinary(a, b, onInts, (m) => attrs.fail(m));
    return attrs.fail('mixes a float tensor with integers; TensorFlow requires both inputs to have one type');
  };
}

function stridedSliceOp(inputs: Value[], attrs: NodeAttrs): Value {
  arity(inputs, 4, attrs);
  const [x] = inputs;
  const [begin, end, strides] = [1, 2, 3].map((i) => ints(inputs, i, attrs).values);
  const masks = { begin: attrs.int('begin_mask', 0), end: attrs.int('end_mask', 0), ellipsis: attrs.int('ellipsis_mask', 0), newAxis: attrs.int('new_axis_mask', 0), shrink: attrs.int('shrink_axis_mask', 0) };
  const fail = (m: string): never => attrs.fail(m);
  const spec = stridedSliceSpec(x.shape, begin, end, strides, masks, fail);
  if (!(x instanceof Tensor)) return hostStridedSlice(x, spec, fail);
  if (spec.some((s) => s.step < 0)) attrs.fail('slices a float tensor with a negative stride, which the .pb runner does not support');
  let y = spec.reduce((t, s, d) => (s.start === 0 && s.stop === t.shape[d] && s.step === 1 ? t : t.slice(d, s.start, s.stop, s.step)), x);
  for (let d = spec.length - 1; d >= 0; d--) if (spec[d].shrink) y = y.squeeze(d);
  return y;
}

function packOp(inputs: Value[], attrs: NodeAttrs): Value {
  arity(inputs, 1, attrs);
  const axis = attrs.int('axis', 0);
  if (inputs.every((v) => !(v instanceof Tensor))) return hostPack(inputs as HostInts[], axis, (m) => attrs.fail(m));
  const xs = inputs.map((_, i) => float(inputs, i, attrs));
  return stack(xs, axis < 0 ? axis + xs[0].rank + 1 : axis);
}

/** ConcatV2: N float tensors, then the axis (in the tensors' own layout; negative counts from the end). */
function concatOp(inputs: Value[], attrs: NodeAttrs): Value {
  arity(inputs, 2, attrs);
  const axisInput = ints(inputs, inputs.length - 1, attrs);
  if (axisInput.values.length !== 1) attrs.fail(`expects one axis but received [${axisInput.values}]`);
  const xs = inputs.slice(0, -1).map((_, i) => float(inputs, i, attrs));
  const rank = xs[0].rank;
  const axis = axisInput.values[0] < 0 ? axisInput.values[0] + rank : axisInput.values[0];
  if (axis < 0 || axis >= rank) attrs.fail(`has axis ${axisInput.values[0]} for rank-${rank} inputs`);
  return cat(xs, axis);
}

const unary =
  (f: (x: Tensor) => Tensor): Kernel =>
  (inputs, attrs) => {
    arity(inputs, 1, attrs);
    return f(float(inputs, 0, attrs));
  };

/** Every op the .pb runner evaluates, besides Placeholder and Const, which it feeds itself. */
export const KERNELS: Readonly<Record<string, Kernel>> = {
  Identity: (inputs, attrs) => {
    arity(inputs, 1, attrs);
    return inputs[0];
  },
  Relu: unary((x) => x.relu()),
  Tanh: unary((x) => x.tanh()),
  Rsqrt: unary((x) => x.rsqrt()),
  LeakyRelu: (inputs, attrs) => unary((x) => x.leakyRelu(attrs.float('alpha', 0.2)))(inputs, attrs),
  Add: binaryOp((a, b) => a.add(b), (a, b) => a + b),
  AddV2: binaryOp((a, b) => a.add(b), (a, b) => a + b),
  Sub: binaryOp((a, b) => a.sub(b), (a, b) => a - b),
  Mul: binaryOp((a, b) => a.mul(b), (a, b) => Math.imul(a, b)),
  Maximum: binaryOp((a, b) => a.maximum(b), (a, b) => Math.max(a, b)),
  SquaredDifference: binaryOp((a, b) => a.sub(b).square(), (a, b) => Math.imul(a - b, a - b)),
  BiasAdd: biasAddOp,
  Mean: meanOp,
  MirrorPad: padOp('reflect'),
  Pad: padOp('constant'),
  Conv2D: conv2dOp,
  Conv2DBackpropInput: conv2dBackpropInputOp,
  Shape: (inputs, attrs) => {
    arity(inputs, 1, attrs);
    return hostInts(inputs[0].shape);
  },
  StridedSlice: stridedSliceOp,
  Pack: packOp,
  ConcatV2: concatOp,
};

export const SUPPORTED_OPS: readonly string[] = ['Placeholder', 'Const', ...Object.keys(KERNELS)];
