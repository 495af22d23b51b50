/**
 * Mixed precision for convolutions, in the spirit of torch.autocast: inside `withConvolutionPrecision
 * ('bfloat16', fn)`, conv2d (except image-facing ones with 4 channels or fewer in or out) takes float32 inputs, run in bfloat16 with channels-last
 * layout (oneDNN's AMX kernels on CPUs that have them) and hand float32 back, so norms, losses and the
 * optimizer stay in float32. Measured here on one thread, 3x3 conv at 128 channels and 64x64: float32
 * 22 ms, bfloat16 NCHW 6.8 ms, bfloat16 channels-last 1.4 ms. Transposed convolutions stay float32
 * (see functional.ts for the measurements behind both exceptions).
 */

export type ConvolutionPrecision = 'float32' | 'bfloat16';

let current: ConvolutionPrecision = 'float32';

export function convolutionPrecision(): ConvolutionPrecision {
  return current;
}

export function withConvolutionPrecision<R>(precision: ConvolutionPrecision, fn: () => R): R {
  const previous = current;
  current = precision;
  try {
    return fn();
  } finally {
    current = previous;
  }
}
