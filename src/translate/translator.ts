/**
 * A Translator turns a batch of images (NCHW float32 in [-1, 1]) into translated images of the same
 * shape. Training's generator, an exported .onnx and a frozen .pb all sit behind this one interface,
 * so generation, samples and predict share one code path.
 */
import { fusedForward, noGrad, tensor, tidy, withConvolutionPrecision, type ConvolutionPrecision, type Module } from '../engine/index.js';

export interface Translator {
  translate(batch: Float32Array, shape: [number, number, number, number]): Promise<Float32Array>;
  dispose(): void;
}

/** Runs a generator of our engine; `device` is where the generator's weights live. */
export function engineTranslator(net: Module, device = 'cpu', ownsNet = false, precision: ConvolutionPrecision = 'float32'): Translator {
  // Norms fused with the ReLU and padding after them: the same output, one pass fewer over each activation.
  const forward = fusedForward(net);
  return {
    async translate(batch, shape) {
      // In eval mode: BatchNorm uses (and does not move) its running statistics, Dropout is off; a
      // generator still training goes back to training mode afterwards.
      const wasTraining = net.training;
      net.eval();
      try {
        return withConvolutionPrecision(precision, () => tidy(() => noGrad(() => forward(tensor(batch, shape, { device })).toFloat32())));
      } finally {
        net.train(wasTraining);
      }
    },
    dispose() {
      if (ownsNet) net.dispose();
    },
  };
}
