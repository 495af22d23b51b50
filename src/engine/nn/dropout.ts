/** Dropout and Identity: the layers the reference inserts for `--no_dropout false` and `--norm none`. */
import { rand } from '../create.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Zeroes each value with probability p in training and scales the rest by 1 / (1 - p); identity in eval. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x.clone();
    const uniform = rand(x.shape, { device: x.device }); // the global generator: manualSeed makes it repeatable
    const kept = uniform.sub(this.p).relu();
    // relu(u - p) > 0 exactly where u > p (probability 1 - p); k / (k + 1e-30) is 1 there and 0 elsewhere.
    const shifted = kept.add(1e-30);
    const mask = kept.div(shifted);
    const scaledMask = mask.mul(1 / (1 - this.p));
    const out = x.mul(scaledMask);
    for (const t of [uniform, kept, shifted, mask, scaledMask]) t.dispose();
    return out;
  }
}

/** Returns its input unchanged (a copy, so Sequential may release it like any layer output). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x.clone();
  }
}
