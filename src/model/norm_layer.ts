/**
 * The reference's get_norm_layer (junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py):
 * instance (affine-free, no running statistics; CycleGAN's default), batch (affine, running
 * statistics; pix2pix's default) or none (Identity). Convolutions followed by a norm learn a bias only
 * with instance norm: batch norm has its own shift, and the reference also drops it for none.
 */
import { BatchNorm2d, Identity, InstanceNorm2d, type Module } from '../engine/index.js';

export const NORM_TYPES = ['instance', 'batch', 'none'] as const;
export type NormType = (typeof NORM_TYPES)[number];

export function normLayer(norm: NormType, channels: number): Module {
  if (norm === 'batch') return new BatchNorm2d(channels);
  if (norm === 'none') return new Identity();
  return new InstanceNorm2d(channels);
}

/** use_bias in the reference: true only for instance norm. */
export function convBias(norm: NormType): boolean {
  return norm === 'instance';
}
