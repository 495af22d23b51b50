/**
 * Mixed precision for convolutions, in the spirit of torch.autocast: inside `withConvolutionPrecision
 * ('bfloat16', fn)`, conv2d takes float32 inputs, runs in bfloat16 with channels-last layout (oneDNN's
 * AMX kernels on CPUs that have them) and hands float32 back, so norms, losses and the optimizer stay in
 * float32. Measured here on one thread, 3x3 conv at 128 channels and 64x64: float32 22 ms, bfloat16
 * NCHW 6.8 ms, bfloat16 channels-last 1.4 ms. A call can fix its own precision (Conv2dOptions.precision):
 * the model does so for the layers it keeps in float32 (Conv2d.precision, set in src/model/). The generator's
 * transposed convolutions follow the scope where oneDNN is called directly and stay float32 where libtorch
 * casts (see functional.ts for the measurements).
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
