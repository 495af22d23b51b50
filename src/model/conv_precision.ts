/**
 * Which convolutions stay float32 when a run asks for bfloat16 (`--precision bf16`). The engine runs every
 * convolution in the precision it is told; this is where the model decides.
 *
 * Convolutions with at most 4 channels in or out stay float32. In our networks those are the image-facing
 * ones (a generator's first and last, a discriminator's first and last: 1 or 3 image channels on one side,
 * or the discriminator's single output channel), and, in networks narrower than 5 filters (tests, tiny
 * models), the others too. AMX gains nothing on so few channels, and in bfloat16 the image-facing ones
 * cost quality (bench quality: paired translation error +6.6% with them in bfloat16, +0.4% without).
 */
import { Conv2d, type Module } from '../engine/index.js';

/** A convolution with this many channels in or out, or fewer, stays float32. */
export const FLOAT32_CONV_MAX_CHANNELS = 4;

/** Marks the narrow convolutions of `net` float32 (Conv2d.precision); returns `net`. */
export function keepNarrowConvolutionsFloat32<M extends Module>(net: M): M {
  for (const m of net.modules()) {
    if (m instanceof Conv2d && Math.min(m.inChannels, m.outChannels) <= FLOAT32_CONV_MAX_CHANNELS) m.precision = 'float32';
  }
  return net;
}
