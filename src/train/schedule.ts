/**
 * Learning-rate schedule of the reference's 'linear' policy: constant for the first half of the epochs,
 * then decaying linearly towards 0 (lambda_rule in models/networks.py with n_epochs = n_epochs_decay = max_epoch / 2).
 */
import type { Parameters } from '../config/parameters.js';

/** Multiplier of the base learning rate during epoch `epoch` (1-based). */
export function learningRateFactor(epoch: number, p: Pick<Parameters, 'max_epoch' | 'lr_policy'>): number {
  if (p.lr_policy === 'constant') return 1;
  const constantEpochs = Math.floor(p.max_epoch / 2);
  const decayEpochs = p.max_epoch - constantEpochs;
  // The reference steps its scheduler after each epoch, so epoch e trains with lambda_rule(e - 1), epoch_count = 1.
  return 1 - Math.max(0, epoch - constantEpochs) / (decayEpochs + 1);
}
