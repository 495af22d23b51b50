/**
 * The 1x1 PatchGAN ("pixelGAN") discriminator, following PixelDiscriminator in
 * junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py: one logit per pixel, from colour alone.
 */
import { Conv2d, LeakyReLU, Module, Sequential, type Structure, type Tensor } from '../engine/index.js';
import { keepNarrowConvolutionsFloat32 } from './conv_precision.js';
import { convBias, normLayer, type NormType } from './norm_layer.js';

export class PixelDiscriminator extends Module {
  readonly net: Sequential;
  constructor(readonly config: { channels: number; ndf: number; norm?: NormType }) {
    super();
    const { channels, ndf } = config;
    const norm = config.norm ?? 'instance';
    const bias = convBias(norm);
    this.net = this.registerModule(
      'net',
      new Sequential(
        new Conv2d(channels, ndf, 1),
        new LeakyReLU(0.2),
        new Conv2d(ndf, ndf * 2, 1, { bias }),
        normLayer(norm, ndf * 2),
        new LeakyReLU(0.2),
        new Conv2d(ndf * 2, 1, 1, { bias }),
      ),
    );
    keepNarrowConvolutionsFloat32(this);
  }
  override structure(): Structure {
    return { kind: 'sequence', parts: [['net', this.net]] };
  }
  forward(x: Tensor): Tensor {
    return this.net.forward(x);
  }
}
