/**
 * The CycleGAN generator: a ResNet-style encoder / residual blocks / decoder, from Zhu et al., "Unpaired
 * Image-to-Image Translation using Cycle-Consistent Adversarial Networks" (ICCV 2017), following
 * ResnetGenerator in junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py: reflection padding, the
 * norm of `--norm` (instance by default: affine-free, so convs keep their bias), dropout in the
 * residual blocks only with `--no_dropout false`.
 * Layer indices, and so parameter names ("model.10.conv_block.1.weight"), are the reference's.
 */
import {
  activationFormatFor,
  Conv2d,
  convolutionPrecision,
  ConvTranspose2d,
  Dropout,
  fusedSequence,
  Module,
  ReflectionPad2d,
  ReLU,
  relayout,
  runInOrder,
  Sequential,
  Tanh,
  type FusedForward,
  type MemoryFormat,
  type Structure,
  type Tensor,
} from '../engine/index.js';
import { keepNarrowConvolutionsFloat32 } from './conv_precision.js';
import { convBias, normLayer, type NormType } from './norm_layer.js';

export interface GeneratorConfig {
  /** Channels in and out: 3 for RGB, 1 for grayscale. */
  channels: number;
  /** Filters in the first conv layer; default 64. */
  ngf: number;
  /** Residual blocks; default 9 (the reference's resnet_9blocks). */
  nBlocks: number;
  /** Default instance. */
  norm?: NormType;
  /** Dropout(0.5) in each residual block; default false (the reference's --no_dropout for CycleGAN). */
  dropout?: boolean;
}

/** conv 3x3 -> norm -> relu [-> dropout] -> conv 3x3 -> norm, added to the input. */
export class ResnetBlock extends Module {
  readonly convBlock: Sequential;
  constructor(
    readonly dim: number,
    norm: NormType = 'instance',
    dropout = false,
  ) {
    super();
    const bias = convBias(norm);
    const layers: Module[] = [new ReflectionPad2d(1), new Conv2d(dim, dim, 3, { bias }), normLayer(norm, dim), new ReLU()];
    if (dropout) layers.push(new Dropout(0.5));
    layers.push(new ReflectionPad2d(1), new Conv2d(dim, dim, 3, { bias }), normLayer(norm, dim));
    this.convBlock = this.registerModule('conv_block', new Sequential(...layers));
  }
  override structure(): Structure {
    return { kind: 'residual', body: [['conv_block', this.convBlock]] };
  }
  forward(x: Tensor): Tensor {
    const residual = this.convBlock.forward(x);
    const out = x.add(residual);
    residual.dispose(); // autograd keeps what it needs; x stays the caller's (src/engine/nn/run_in_order.ts)
    return out;
  }
}

export class ResnetGenerator extends Module {
  readonly model: Sequential;
  /**
   * The memory format of the inner layers' activations (innerFormatFor); null (the default) picks the one their
   * convolutions suit. Tests set it to run either path at any precision.
   */
  innerFormat: MemoryFormat | null = null;
  #fused: FusedForward | null = null;
  /** A residual block's convolution, whose precision the inner layers' format follows (found once). */
  #blockConv: Conv2d | null | undefined;
  constructor(readonly config: GeneratorConfig) {
    super();
    const { channels, ngf, nBlocks } = config;
    const norm = config.norm ?? 'instance';
    const bias = convBias(norm);
    const layers: Module[] = [new ReflectionPad2d(3), new Conv2d(channels, ngf, 7, { bias }), normLayer(norm, ngf), new ReLU()];
    const downsamplings = 2;
    for (let i = 0; i < downsamplings; i++) {
      const mult = 2 ** i;
      layers.push(new Conv2d(ngf * mult, ngf * mult * 2, 3, { stride: 2, padding: 1, bias }), normLayer(norm, ngf * mult * 2), new ReLU());
    }
    const mult = 2 ** downsamplings;
    for (let i = 0; i < nBlocks; i++) layers.push(new ResnetBlock(ngf * mult, norm, config.dropout ?? false));
    for (let i = 0; i < downsamplings; i++) {
      const m = 2 ** (downsamplings - i);
      layers.push(new ConvTranspose2d(ngf * m, Math.floor((ngf * m) / 2), 3, { stride: 2, padding: 1, outputPadding: 1, bias }), normLayer(norm, Math.floor((ngf * m) / 2)), new ReLU());
    }
    layers.push(new ReflectionPad2d(3), new Conv2d(ngf, channels, 7), new Tanh());
    this.model = this.registerModule('model', new Sequential(...layers));
    keepNarrowConvolutionsFloat32(this);
  }
  override structure(): Structure {
    return { kind: 'sequence', parts: [['model', this.model]] };
  }
  /**
   * Images in [-1, 1], [N, C, H, W] with H and W multiples of 4; output in (-1, 1), same shape.
   * Each instance norm runs fused with the ReLU and reflection pad after it, forward and backward
   * (fused_forward.ts): at 128 px this took a tenth off a training step. The inner layers' activations
   * (innerFormatFor) are in the format their convolutions suit, converted once on the way in and once on
   * the way out.
   */
  forward(x: Tensor): Tensor {
    this.#fused ??= this.#lower();
    return this.#fused(x);
  }

  /**
   * The memory format the inner layers run in for activations like `x`: the layers between the image-facing ends
   * (after the first norm and ReLU, before the last reflection pad), whose convolutions follow the run's
   * precision. activationFormatFor decides: channels-last under bfloat16 on the CPU, where it took the float32
   * transposes around each convolution away (128 px step, 1 thread: 1.62 to 1.53 s for the residual blocks
   * alone).
   */
  innerFormatFor(x: Tensor): MemoryFormat {
    if (x.device !== 'cpu' || x.dtype !== 'float32' || x.shape.length !== 4) return 'contiguous';
    if (this.#blockConv === undefined) {
      const block = this.modules().find((m): m is ResnetBlock => m instanceof ResnetBlock);
      this.#blockConv = block?.convBlock.modules().find((m): m is Conv2d => m instanceof Conv2d) ?? null;
    }
    return this.innerFormat ?? activationFormatFor(this.#blockConv?.precision ?? convolutionPrecision());
  }

  #lower(): FusedForward {
    const structure = this.model.structure();
    const parts = structure.kind === 'sequence' ? structure.parts : [];
    const start = parts.findIndex(([, m]) => m instanceof ReLU) + 1;
    const end = parts.length - 1 - [...parts].reverse().findIndex(([, m]) => m instanceof ReflectionPad2d);
    if (start <= 0 || end <= start) return fusedSequence(parts);
    const head = fusedSequence(parts.slice(0, start)), inner = fusedSequence(parts.slice(start, end)), tail = fusedSequence(parts.slice(end));
    // A step hands back its input when the format is already right (run_in_order.ts releases it once).
    const into = { forward: (x: Tensor) => relayout(x, this.innerFormatFor(x)) };
    const outOf = { forward: (x: Tensor) => relayout(x, 'contiguous') };
    const steps = [{ forward: head }, into, { forward: inner }, outOf, { forward: tail }];
    return (x) => runInOrder(steps, x);
  }
}
