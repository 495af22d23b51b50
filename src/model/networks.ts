/**
 * The one place networks are built (training, checkpoint and .pth loading, predict, export, bench):
 * the reference's define_G / define_D (junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py) with its
 * names: netG resnet_9blocks | resnet_6blocks | unet_256 | unet_128, netD basic | n_layers | pixel,
 * norm instance | batch | none, dropout, init_type and init_gain.
 */
import type { Module } from '../engine/index.js';
import { initWeights, type InitType } from './init_weights.js';
import type { NormType } from './norm_layer.js';
import { PatchDiscriminator } from './patch_discriminator.js';
import { PixelDiscriminator } from './pixel_discriminator.js';
import { ResnetGenerator } from './resnet_generator.js';
import { UnetGenerator } from './unet_generator.js';

export const NET_G = ['resnet_9blocks', 'resnet_6blocks', 'unet_256', 'unet_128'] as const;
export type NetG = (typeof NET_G)[number];
export const NET_D = ['basic', 'n_layers', 'pixel'] as const;
export type NetD = (typeof NET_D)[number];

/** Everything needed to rebuild a generator; stored in generator files' metadata. */
export interface GeneratorSpec {
  /** Default resnet_9blocks. */
  netG?: NetG;
  channels: number;
  ngf: number;
  /** Residual blocks of a ResNet generator; netG resnet_6blocks means 6. Default 9. */
  nBlocks: number;
  /** Default instance. */
  norm?: NormType;
  /** Default false (the reference's --no_dropout, on for CycleGAN). */
  dropout?: boolean;
}

export interface DiscriminatorSpec {
  /** Default basic. */
  netD?: NetD;
  channels: number;
  ndf: number;
  /** Conv layers of netD n_layers (the reference's n_layers_D); default 3. */
  nLayers?: number;
  norm?: NormType;
}

export interface InitSpec {
  type: InitType;
  gain: number;
}

/** The multiple an input's height and width must be of. */
export function sizeMultiple(spec: GeneratorSpec): number {
  return spec.netG === 'unet_256' ? 256 : spec.netG === 'unet_128' ? 128 : 4;
}

/** define_G: the generator of `spec`, initialised by `init` (default: normal, gain 0.02). */
export function defineG(spec: GeneratorSpec, init?: InitSpec): Module {
  const netG = spec.netG ?? 'resnet_9blocks';
  const common = { channels: spec.channels, ngf: spec.ngf, norm: spec.norm ?? 'instance', dropout: spec.dropout ?? false };
  const net =
    netG === 'unet_256' || netG === 'unet_128'
      ? new UnetGenerator({ ...common, numDowns: netG === 'unet_256' ? 8 : 7 })
      : new ResnetGenerator({ ...common, nBlocks: netG === 'resnet_6blocks' ? 6 : spec.nBlocks });
  if (init) initWeights(net, init.type, init.gain);
  return net;
}

/** define_D. */
export function defineD(spec: DiscriminatorSpec, init?: InitSpec): Module {
  const netD = spec.netD ?? 'basic';
  const norm = spec.norm ?? 'instance';
  const net =
    netD === 'pixel'
      ? new PixelDiscriminator({ channels: spec.channels, ndf: spec.ndf, norm })
      : new PatchDiscriminator({ channels: spec.channels, ndf: spec.ndf, nLayers: netD === 'n_layers' ? (spec.nLayers ?? 3) : 3, norm });
  if (init) initWeights(net, init.type, init.gain);
  return net;
}
