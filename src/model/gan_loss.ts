/**
 * The LSGAN objective (Mao et al. 2017) that CycleGAN uses: mean squared error between the
 * discriminator's patch map and 1 (real) or 0 (fake), as GANLoss('lsgan') in the reference.
 */
import { mseLoss, type Tensor } from '../engine/index.js';

export function ganLoss(prediction: Tensor, isReal: boolean): Tensor {
  return mseLoss(prediction, isReal ? 1 : 0);
}
