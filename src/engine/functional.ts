/** Multi-input and neural-network ops, in the style of torch.nn.functional. */
import { native, type MemoryFormat } from './native.js';
import { convolutionPrecision, type ConvolutionPrecision } from './precision.js';
import { isSubpixelCase, subpixelTranspose } from './subpixel_transpose.js';

export { cat, pad2d, relayout, stack } from './layout_ops.js';
import { run, Tensor } from './tensor.js';
import { castWeight } from './weight_cast_cache.js';

const pair = (v: number | number[]): number[] => (typeof v === 'number' ? [v, v] : [...v]);

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** Zero padding: one value, [height, width], or [top, bottom, left, right]. */
  padding?: number | [number, number] | [number, number, number, number];
  dilation?: number | [number, number];
  groups?: number;
  /**
   * The precision this call runs in; default: the enclosing withConvolutionPrecision scope's. The engine
   * applies no rule of its own: a layer whose precision the model fixed (Conv2d.precision) passes it here.
   */
  precision?: ConvolutionPrecision;
}

/**
 * Runs a convolution in bfloat16 when `o.precision` (or the scope) asks for it and the input is float32; returns
 * float32. Where oneDNN cannot be called directly, the casts (to bfloat16 channels-last and back) are ordinary
 * differentiable ops, so gradients flow back in float32 either way.
 */
function lowPrecision(x: Tensor, weight: Tensor, bias: Tensor | null, o: Conv2dOptions, conv: (x: Tensor, w: Tensor, b: Tensor | null) => Tensor): Tensor | null {
  if ((o.precision ?? convolutionPrecision()) !== 'bfloat16' || x.dtype !== 'float32') return null;
  // First choice: oneDNN directly, which casts and changes layout in one pass and hands back float32 output and
  // gradients (native/bf16_conv.cc; twice as fast as the casts below for a ResNet-block convolution).
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const direct = run('conv2d', inputs, () =>
    native().conv2dBf16(x.handle, weight.handle, bias?.handle, pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.groups ?? 1),
  );
  if (direct) return new Tensor(direct);
  // Each cast changes dtype and layout in one pass; the float32 result is contiguous again, as the norms
  // after it want. Intermediates are released at once (autograd keeps what backward needs).
  // Weights are cast once per withWeightCasts scope (weight_cast_cache.ts) rather than at every call.
  const xb = x.to({ dtype: 'bfloat16', memoryFormat: 'channels_last' });
  const wb = castWeight(weight, (w) => w.to({ dtype: 'bfloat16', memoryFormat: 'channels_last' }));
  const bb = bias ? castWeight(bias, (b) => b.to({ dtype: 'bfloat16' })) : null;
  const y = conv(xb, wb.value, bb?.value ?? null);
  xb.dispose();
  for (const t of [wb, bb]) if (t && !t.shared) t.value.dispose();
  const out = y.to({ dtype: 'float32', memoryFormat: 'contiguous' });
  y.dispose();
  return out;
}

/** 2-D convolution; weight is [out, in/groups, kh, kw]. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  const mixed = lowPrecision(x, weight, bias, o, (a, w, b) => conv2d(a, w, b, { ...o, precision: 'float32' }));
  if (mixed) return mixed;
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return new Tensor(
    run('conv2d', inputs, () =>
      native().conv2d(x.handle, weight.handle, bias?.handle, pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.groups ?? 1),
    ),
  );
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  outputPadding?: number | [number, number];
}

/**
 * The memory format that suits activations between convolutions of `precision` on the CPU: channels-last where
 * bfloat16 convolutions run through the addon's own oneDNN calls, whose AMX kernels read and write that layout
 * (a contiguous activation costs a float32 transpose of each convolution's output and of its input gradient);
 * contiguous otherwise. The ResNet generator keeps its inner layers' activations in it (innerFormatFor).
 */
export function activationFormatFor(precision: ConvolutionPrecision): MemoryFormat {
  return precision === 'bfloat16' && native().directConv().enabled ? 'channels_last' : 'contiguous';
}

/** Transposed 2-D convolution; weight is [in, out/groups, kh, kw]. */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: ConvTranspose2dOptions = {}): Tensor {
  // On the CPU, libtorch 1.13's conv_transpose2d takes a slow im2col + BLAS path in float32 (and rejects
  // bfloat16); the generator's upsampling layers run as four oneDNN conv2d instead (subpixel_transpose.ts):
  // measured 3x faster forward + backward (256->128 channels at 64x64: 295 ms -> 82 ms, 2 threads).
  if (x.device === 'cpu' && x.dtype === 'float32' && isSubpixelCase(weight, o)) {
    // Under bfloat16 precision the phases run in bfloat16 only through the direct oneDNN path, which rounds the
    // operands and hands back float32 outputs and gradients: quality benchmark 2026-11-30, paired translation error
    // +2.7% and generator loss +1.4% against float32 (two float32 seeds: -2.1% and +1.7%), and the 128 px step 4%
    // faster. Through libtorch's casts, which also round outputs and gradients to bfloat16, that rounding was
    // amplified (through instance norm and ReLU masks) into 21% higher generator loss, so there they stay float32.
    const precision = native().directConv().enabled ? (o.precision ?? convolutionPrecision()) : 'float32';
    return subpixelTranspose(x, weight, bias, (a, w, b, padding) => conv2d(a, w, b, { precision, padding }));
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return new Tensor(
    run('conv_transpose2d', inputs, () =>
      native().convTranspose2d(
        x.handle,
        weight.handle,
        bias?.handle,
        pair(o.stride ?? 1),
        pair(o.padding ?? 0),
        pair(o.outputPadding ?? 0),
        o.groups ?? 1,
        pair(o.dilation ?? 1),
      ),
    ),
  );
}

/** Instance normalisation over each sample's channels, optionally with a per-channel affine. */
export function instanceNorm(x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  return new Tensor(run('instance_norm', [x], () => native().instanceNorm(x.handle, weight?.handle, bias?.handle, eps)));
}

/**
 * reflection_pad2d(relu?(instance_norm(x)), pad) in one pass over a float32 CPU tensor, without
 * autograd (ops_fused_norm.cc): for inference, where the generator runs these three back to back.
 */
export function instanceNormReluPad(x: Tensor, o: { eps?: number; relu: boolean; pad: number }): Tensor {
  return new Tensor(run('instance_norm_relu_pad', [x], () => native().instanceNormReluPad(x.handle, o.eps ?? 1e-5, o.relu, o.pad)));
}

/** Resizes the last two dimensions to [h, w]. */
export function resize2d(x: Tensor, size: [number, number], mode: 'bilinear' | 'nearest' = 'bilinear'): Tensor {
  return new Tensor(run('upsample', [x, size], () => native().upsample(x.handle, [...size], mode)));
}

/** Mean squared error; `target` may be a number (the LSGAN real/fake label). */
export function mseLoss(input: Tensor, target: Tensor | number): Tensor {
  if (typeof target === 'number') return new Tensor(run('mse_loss', [input], () => native().scalar('mse_loss', input.handle, target)));
  return new Tensor(run('mse_loss', [input, target], () => native().binary('mse_loss', input.handle, target.handle)));
}

/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor): Tensor {
  return new Tensor(run('l1_loss', [input, target], () => native().binary('l1_loss', input.handle, target.handle)));
}
