/**
 * The GAN objectives of the reference's GANLoss (models/networks.py), applied to the discriminator's
 * patch map: lsgan (Mao et al. 2017; CycleGAN's default) is the mean squared error to 1 (real) or 0
 * (fake); vanilla is binary cross-entropy on logits; wgangp is the Wasserstein critic loss,
 * -mean for real and mean for fake (the reference's CycleGAN adds no gradient penalty).
 */
import { mseLoss, type Tensor } from '../engine/index.js';

export const GAN_MODES = ['lsgan', 'vanilla', 'wgangp'] as const;
export type GanMode = (typeof GAN_MODES)[number];

export function ganLoss(prediction: Tensor, isReal: boolean, mode: GanMode = 'lsgan'): Tensor {
  if (mode === 'wgangp') {
    const mean = prediction.mean();
    if (!isReal) return mean;
    const neg = mean.neg();
    mean.dispose();
    return neg;
  }
  if (mode === 'vanilla') return bceWithLogits(prediction, isReal);
  return mseLoss(prediction, isReal ? 1 : 0);
}

/** BCEWithLogitsLoss to an all-1 or all-0 target, in its stable form: relu(x) - x*t + log(1 + exp(-|x|)). */
function bceWithLogits(x: Tensor, isReal: boolean): Tensor {
  const temps: Tensor[] = [];
  const t = (v: Tensor) => (temps.push(v), v);
  const softplusOfNegAbs = t(t(t(t(t(x.abs()).neg()).exp()).add(1)).log());
  const base = t(x.relu());
  const perPatch = t(isReal ? t(base.sub(x)).add(softplusOfNegAbs) : base.add(softplusOfNegAbs));
  const loss = perPatch.mean();
  for (const v of temps) v.dispose();
  return loss;
}
