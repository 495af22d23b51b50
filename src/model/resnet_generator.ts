/**
 * The CycleGAN generator: a ResNet-style encoder / residual blocks / decoder, from Zhu et al., "Unpaired
 * Image-to-Image Translation using Cycle-Consistent Adversarial Networks" (ICCV 2017), following
 * ResnetGenerator in junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py with its CycleGAN defaults:
 * instance norm (affine=False, so convs keep their bias), reflection padding, no dropout.
 * Layer indices, and so parameter names ("model.10.conv_block.1.weight"), are the reference's.
 */
import { Conv2d, ConvTranspose2d, InstanceNorm2d, Module, ReflectionPad2d, ReLU, Sequential, Tanh, type Tensor } from '../engine/index.js';

export interface GeneratorConfig {
  /** Channels in and out: 3 for RGB, 1 for grayscale. */
  channels: number;
  /** Filters in the first conv layer; default 64. */
  ngf: number;
  /** Residual blocks; default 9 (the reference's resnet_9blocks). */
  nBlocks: number;
}

/** conv 3x3 -> norm -> relu -> conv 3x3 -> norm, added to the input. */
export class ResnetBlock extends Module {
  readonly convBlock: Sequential;
  constructor(readonly dim: number) {
    super();
    this.convBlock = this.registerModule(
      'conv_block',
      new Sequential(new ReflectionPad2d(1), new Conv2d(dim, dim, 3), new InstanceNorm2d(dim), new ReLU(), new ReflectionPad2d(1), new Conv2d(dim, dim, 3), new InstanceNorm2d(dim)),
    );
  }
  forward(x: Tensor): Tensor {
    const residual = this.convBlock.forward(x);
    const out = x.add(residual);
    residual.dispose(); // autograd keeps what it needs; see Sequential.forward
    return out;
  }
}

export class ResnetGenerator extends Module {
  readonly model: Sequential;
  constructor(readonly config: GeneratorConfig) {
    super();
    const { channels, ngf, nBlocks } = config;
    const layers: Module[] = [new ReflectionPad2d(3), new Conv2d(channels, ngf, 7), new InstanceNorm2d(ngf), new ReLU()];
    const downsamplings = 2;
    for (let i = 0; i < downsamplings; i++) {
      const mult = 2 ** i;
      layers.push(new Conv2d(ngf * mult, ngf * mult * 2, 3, { stride: 2, padding: 1 }), new InstanceNorm2d(ngf * mult * 2), new ReLU());
    }
    const mult = 2 ** downsamplings;
    for (let i = 0; i < nBlocks; i++) layers.push(new ResnetBlock(ngf * mult));
    for (let i = 0; i < downsamplings; i++) {
      const m = 2 ** (downsamplings - i);
      layers.push(new ConvTranspose2d(ngf * m, (ngf * m) / 2, 3, { stride: 2, padding: 1, outputPadding: 1 }), new InstanceNorm2d((ngf * m) / 2), new ReLU());
    }
    layers.push(new ReflectionPad2d(3), new Conv2d(ngf, channels, 7), new Tanh());
    this.model = this.registerModule('model', new Sequential(...layers));
  }
  /** Images in [-1, 1], [N, C, H, W] with H and W multiples of 4; output in (-1, 1), same shape. */
  forward(x: Tensor): Tensor {
    return this.model.forward(x);
  }
}
