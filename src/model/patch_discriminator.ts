/**
 * The PatchGAN discriminator of CycleGAN (Isola et al. 2017; Zhu et al. 2017), following
 * NLayerDiscriminator in junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py. With n_layers=3 (netD
 * basic) it scores overlapping 70x70 patches: the output is a map, one logit per patch.
 */
import { Conv2d, LeakyReLU, Module, Sequential, type Structure, type Tensor } from '../engine/index.js';
import { keepNarrowConvolutionsFloat32 } from './conv_precision.js';
import { convBias, normLayer, type NormType } from './norm_layer.js';

export interface DiscriminatorConfig {
  channels: number;
  /** Filters in the first conv layer; default 64. */
  ndf: number;
  /** Conv layers after the first; default 3, which gives 70x70 receptive fields. */
  nLayers: number;
  /** Default instance. */
  norm?: NormType;
}

export class PatchDiscriminator extends Module {
  readonly model: Sequential;
  constructor(readonly config: DiscriminatorConfig) {
    super();
    const { channels, ndf, nLayers } = config;
    const norm = config.norm ?? 'instance';
    const bias = convBias(norm);
    const kw = 4;
    const layers: Module[] = [new Conv2d(channels, ndf, kw, { stride: 2, padding: 1 }), new LeakyReLU(0.2)];
    let mult = 1;
    for (let n = 1; n < nLayers; n++) {
      const previous = mult;
      mult = Math.min(2 ** n, 8);
      layers.push(new Conv2d(ndf * previous, ndf * mult, kw, { stride: 2, padding: 1, bias }), normLayer(norm, ndf * mult), new LeakyReLU(0.2));
    }
    const previous = mult;
    mult = Math.min(2 ** nLayers, 8);
    layers.push(new Conv2d(ndf * previous, ndf * mult, kw, { stride: 1, padding: 1, bias }), normLayer(norm, ndf * mult), new LeakyReLU(0.2));
    layers.push(new Conv2d(ndf * mult, 1, kw, { stride: 1, padding: 1 }));
    this.model = this.registerModule('model', new Sequential(...layers));
    keepNarrowConvolutionsFloat32(this);
  }
  override structure(): Structure {
    return { kind: 'sequence', parts: [['model', this.model]] };
  }
  forward(x: Tensor): Tensor {
    return this.model.forward(x);
  }
}
