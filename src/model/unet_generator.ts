/**
 * The U-Net generator of pix2pix (Isola et al., "Image-to-Image Translation with Conditional
 * Adversarial Networks", CVPR 2017), following UnetGenerator and UnetSkipConnectionBlock in
 * junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py: `numDowns` stride-2 4x4 convolutions down
 * to 1x1 (7 for unet_128, 8 for unet_256), mirrored by transposed convolutions, each level's input
 * concatenated to its output. Parameter names nest like the reference's ("model.model.1.model.1.weight").
 *
 * One detail is kept on purpose: the reference's downward LeakyReLU runs in place on the block's input,
 * so the skip connection it concatenates carries leaky_relu(x), not x. Released pix2pix weights were
 * trained that way, so the skip here is leaky_relu(x) too.
 */
import { cat, Conv2d, ConvTranspose2d, Dropout, LeakyReLU, Module, ReLU, Sequential, Tanh, type Structure, type Tensor } from '../engine/index.js';
import { keepNarrowConvolutionsFloat32 } from './conv_precision.js';
import { convBias, normLayer, type NormType } from './norm_layer.js';

export interface UnetConfig {
  channels: number;
  ngf: number;
  /** Downsamplings: 7 (unet_128) or 8 (unet_256); inputs must be multiples of 2^numDowns. */
  numDowns: number;
  norm?: NormType;
  dropout?: boolean;
}

type BlockKind = 'outermost' | 'innermost' | 'middle';

export class UnetSkipConnectionBlock extends Module {
  readonly model: Sequential;
  /** model without its first layer (not registered: the same modules, seen from the skip's side). */
  readonly #afterActivation: Sequential;
  constructor(
    readonly kind: BlockKind,
    outerNc: number,
    innerNc: number,
    o: { inputNc?: number; submodule?: UnetSkipConnectionBlock; norm: NormType; dropout?: boolean },
  ) {
    super();
    const bias = convBias(o.norm);
    const downconv = new Conv2d(o.inputNc ?? outerNc, innerNc, 4, { stride: 2, padding: 1, bias });
    let layers: Module[];
    if (kind === 'outermost') {
      layers = [downconv, o.submodule!, new ReLU(), new ConvTranspose2d(innerNc * 2, outerNc, 4, { stride: 2, padding: 1 }), new Tanh()];
    } else if (kind === 'innermost') {
      layers = [new LeakyReLU(0.2), downconv, new ReLU(), new ConvTranspose2d(innerNc, outerNc, 4, { stride: 2, padding: 1, bias }), normLayer(o.norm, outerNc)];
    } else {
      layers = [new LeakyReLU(0.2), downconv, normLayer(o.norm, innerNc), o.submodule!, new ReLU(), new ConvTranspose2d(innerNc * 2, outerNc, 4, { stride: 2, padding: 1, bias }), normLayer(o.norm, outerNc)];
      if (o.dropout) layers.push(new Dropout(0.5));
    }
    this.model = this.registerModule('model', new Sequential(...layers));
    this.#afterActivation = new Sequential(...layers.slice(1));
  }

  override structure(): Structure {
    if (this.kind === 'outermost') return { kind: 'sequence', parts: [['model', this.model]] };
    const [first, ...rest] = this.model.layers;
    return {
      kind: 'sequence',
      parts: [
        ['model.0', first],
        ['', new StructureOnly({ kind: 'concatSkip', body: rest.map((layer, i) => [`model.${i + 1}`, layer]) })],
      ],
    };
  }

  forward(x: Tensor): Tensor {
    if (this.kind === 'outermost') return this.model.forward(x);
    // The first layer is the in-place LeakyReLU of the reference: its output is both the skip and the path in.
    const activated = this.model.layers[0].forward(x);
    const inner = this.#afterActivation.forward(activated);
    const out = cat([activated, inner], 1);
    activated.dispose();
    inner.dispose();
    return out;
  }
}

/** A structure with no module of its own behind it (the skip part of a U-Net level). */
class StructureOnly extends Module {
  constructor(readonly described: Structure) {
    super();
  }
  override structure(): Structure {
    return this.described;
  }
  forward(): Tensor {
    throw new Error('StructureOnly describes a graph; it is never run');
  }
}

export class UnetGenerator extends Module {
  readonly model: UnetSkipConnectionBlock;
  constructor(readonly config: UnetConfig) {
    super();
    const { channels, ngf, numDowns } = config;
    const norm = config.norm ?? 'instance';
    let block = new UnetSkipConnectionBlock('innermost', ngf * 8, ngf * 8, { norm });
    for (let i = 0; i < numDowns - 5; i++) block = new UnetSkipConnectionBlock('middle', ngf * 8, ngf * 8, { submodule: block, norm, dropout: config.dropout });
    block = new UnetSkipConnectionBlock('middle', ngf * 4, ngf * 8, { submodule: block, norm });
    block = new UnetSkipConnectionBlock('middle', ngf * 2, ngf * 4, { submodule: block, norm });
    block = new UnetSkipConnectionBlock('middle', ngf, ngf * 2, { submodule: block, norm });
    this.model = this.registerModule('model', new UnetSkipConnectionBlock('outermost', channels, ngf, { inputNc: channels, submodule: block, norm }));
    keepNarrowConvolutionsFloat32(this);
  }
  override structure(): Structure {
    return { kind: 'sequence', parts: [['model', this.model]] };
  }
  /** Images in [-1, 1], [N, C, H, W] with H and W multiples of 2^numDowns; output the same shape. */
  forward(x: Tensor): Tensor {
    return this.model.forward(x);
  }
}
