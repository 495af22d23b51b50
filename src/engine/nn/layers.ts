/** The layers CycleGAN needs, with PyTorch's parameter names and shapes. */
import { full } from '../create.js';
import { conv2d, convTranspose2d, instanceNorm, instanceNormReluPad, pad2d } from '../functional.js';
import { isGradEnabled } from '../runtime.js';
import type { Tensor } from '../tensor.js';
import { Module, type Structure } from './module.js';

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
    return conv2d(x, this.weight, this.bias, { stride: this.options.stride ?? 1, padding: this.options.padding ?? 0 });
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

/** Children named "0", "1", ... like nn.Sequential. */
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
    // Each intermediate is released as soon as the next layer has consumed it: autograd holds its own
    // reference to whatever backward needs, so a tidy scope around a whole step would otherwise keep
    // every activation of the network alive until the step ends (measured: 2.3x the memory in bf16).
    let out = x;
    for (let i = 0; i < this.layers.length; ) {
      const fused = fusedNormRun(this.layers, i, out);
      const next = fused ? fused.out : this.layers[i].forward(out);
      i += fused ? fused.layers : 1;
      if (out !== x && next !== out) out.dispose();
      out = next;
    }
    return out;
  }
}

/**
 * Under noGrad, an affine-free InstanceNorm2d with the ReLU and ReflectionPad2d after it (either may be
 * absent) runs as one fused pass (instanceNormReluPad); null where that does not apply.
 */
function fusedNormRun(layers: readonly Module[], i: number, x: Tensor): { out: Tensor; layers: number } | null {
  const norm = layers[i];
  if (!(norm instanceof InstanceNorm2d) || norm.weight || isGradEnabled() || x.device !== 'cpu' || x.dtype !== 'float32' || x.shape.length !== 4) return null;
  let count = 1;
  const relu = layers[i + count] instanceof ReLU;
  if (relu) count++;
  const padLayer = layers[i + count];
  const pad = padLayer instanceof ReflectionPad2d && padLayer.padding < Math.min(x.shape[2], x.shape[3]) ? padLayer.padding : 0;
  if (pad) count++;
  return { out: instanceNormReluPad(x, { eps: norm.options.eps ?? 1e-5, relu, pad }), layers: count };
}
