/**
 * A Translator turns a batch of images (NCHW float32 in [-1, 1]) into translated images of the same
 * shape. Training's generator, an exported .onnx and a frozen .pb all sit behind this one interface,
 * so generation, samples and predict share one code path.
 */
import { noGrad, tensor, tidy, withConvolutionPrecision, type ConvolutionPrecision } from '../engine/index.js';
import type { ResnetGenerator } from '../model/resnet_generator.js';

export interface Translator {
  translate(batch: Float32Array, shape: [number, number, number, number]): Promise<Float32Array>;
  dispose(): void;
}

/** Runs a generator of our engine; `device` is where the generator's weights live. */
export function engineTranslator(net: ResnetGenerator, device = 'cpu', ownsNet = false, precision: ConvolutionPrecision = 'float32'): Translator {
  return {
    async translate(batch, shape) {
      return withConvolutionPrecision(precision, () => tidy(() => noGrad(() => net.forward(tensor(batch, shape, { device })).toFloat32())));
    },
    dispose() {
      if (ownsNet) net.dispose();
    },
  };
}
