/** The layers CycleGAN needs, with PyTorch's parameter names and shapes. */
import { full } from '../create.js';
import { conv2d, convTranspose2d, instanceNorm, pad2d } from '../functional.js';
import type { ConvolutionPrecision } from '../precision.js';
import type { Tensor } from '../tensor.js';
import { Module, type Structure } from './module.js';
import { runInOrder } from './run_in_order.js';

export interface ConvOptions {
  stride?: number;
  padding?: number;
  /** Learn a bias; default true, as in PyTorch. */
  bias?: boolean;
}

// Parameters are allocated as zeros; the constructor then draws weights from normal(0, 0.02), the reference's init.
const allocate = (shape: number[]): Tensor => full(shape, 0);

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /**
   * The precision this layer always runs in, whatever withConvolutionPrecision says; null (the default)
   * follows the scope. The model sets it for the layers it keeps in float32 (src/model/conv_precision.ts).
   */
  precision: ConvolutionPrecision | null = null;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly options: ConvOptions = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', allocate([outChannels, inChannels, kernelSize, kernelSize]));
    this.bias = options.bias === false ? null : this.registerParameter('bias', allocate([outChannels]));
    this.initNormal();
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.options.stride ?? 1, padding: this.options.padding ?? 0, precision: this.precision ?? undefined });
  }
}

export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly options: ConvOptions & { outputPadding?: number } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', allocate([inChannels, outChannels, kernelSize, kernelSize]));
    this.bias = options.bias === false ? null : this.registerParameter('bias', allocate([outChannels]));
    this.initNormal();
  }
  forward(x: Tensor): Tensor {
    const o = this.options;
    return convTranspose2d(x, this.weight, this.bias, { stride: o.stride ?? 1, padding: o.padding ?? 0, outputPadding: o.outputPadding ?? 0 });
  }
}

/** Instance norm; the reference uses affine=false and no running statistics, so it has no parameters. */
export class InstanceNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  constructor(
    readonly numFeatures: number,
    readonly options: { affine?: boolean; eps?: number } = {},
  ) {
    super();
    this.weight = options.affine ? this.registerParameter('weight', full([numFeatures], 1)) : null;
    this.bias = options.affine ? this.registerParameter('bias', full([numFeatures], 0)) : null;
  }
  forward(x: Tensor): Tensor {
    return instanceNorm(x, this.weight, this.bias, this.options.eps ?? 1e-5);
  }
}

export class ReflectionPad2d extends Module {
  constructor(readonly padding: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return pad2d(x, this.padding, 'reflect');
  }
}

export class ZeroPad2d extends Module {
  constructor(readonly padding: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return pad2d(x, this.padding, 'constant', 0);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/**
 * Children named "0", "1", ... like nn.Sequential. Runs them in order, releasing each intermediate once
 * the next layer has consumed it (the rule and why it keeps skip connections sound: run_in_order.ts). It
 * fuses nothing: translation and the ResNet generator ask for fused layers explicitly (fusedForward).
 */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((layer, i) => this.registerModule(String(i), layer));
  }
  override structure(): Structure {
    return { kind: 'sequence', parts: this.layers.map((layer, i) => [String(i), layer]) };
  }
  forward(x: Tensor): Tensor {
    return runInOrder(this.layers, x);
  }
}
