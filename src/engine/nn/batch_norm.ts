/**
 * BatchNorm2d as PyTorch defines it (affine, tracking running statistics, momentum 0.1): in training
 * it normalises with the batch's statistics (biased variance) and moves the running mean and the
 * running unbiased variance towards them; in eval it uses the running statistics. Built from engine
 * ops, so autograd differentiates it; the reference's `--norm batch` needs it (pix2pix's default).
 */
import { full } from '../create.js';
import { copyInto, noGrad } from '../runtime.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export class BatchNorm2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;
  constructor(
    readonly numFeatures: number,
    readonly options: { eps?: number; momentum?: number } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', full([numFeatures], 1));
    this.bias = this.registerParameter('bias', full([numFeatures], 0));
    this.runningMean = this.registerBuffer('running_mean', full([numFeatures], 0));
    this.runningVar = this.registerBuffer('running_var', full([numFeatures], 1));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', full([], 0, { dtype: 'int64' }));
  }

  get eps(): number {
    return this.options.eps ?? 1e-5;
  }

  forward(x: Tensor): Tensor {
    const c = this.numFeatures;
    const perChannel = (t: Tensor) => t.reshape([1, c, 1, 1]);
    const temps: Tensor[] = [];
    const temp = (t: Tensor) => (temps.push(t), t);
    let centered: Tensor;
    let invStd: Tensor;
    if (this.training) {
      const mean = temp(x.mean([0, 2, 3], true));
      centered = temp(x.sub(mean));
      const variance = temp(temp(centered.square()).mean([0, 2, 3], true));
      invStd = temp(temp(variance.add(this.eps)).rsqrt());
      this.#track(mean, variance, x.shape[0] * x.shape[2] * x.shape[3]);
    } else {
      centered = temp(x.sub(temp(perChannel(this.runningMean))));
      invStd = temp(temp(temp(perChannel(this.runningVar)).add(this.eps)).rsqrt());
    }
    const normalised = temp(centered.mul(invStd));
    const scaled = temp(normalised.mul(temp(perChannel(this.weight))));
    const out = scaled.add(temp(perChannel(this.bias)));
    for (const t of temps) t.dispose(); // autograd keeps what backward needs
    return out;
  }

  /** running = (1 - momentum) * running + momentum * batch, with the unbiased variance, as PyTorch. */
  #track(mean: Tensor, variance: Tensor, count: number): void {
    const m = this.options.momentum ?? 0.1;
    noGrad(() => {
      const unbiased = count > 1 ? count / (count - 1) : 1;
      const nextMean = this.runningMean.mul(1 - m).add(mean.reshape([this.numFeatures]).mul(m));
      const nextVar = this.runningVar.mul(1 - m).add(variance.reshape([this.numFeatures]).mul(m * unbiased));
      const nextCount = this.numBatchesTracked.add(1);
      copyInto(this.runningMean, nextMean);
      copyInto(this.runningVar, nextVar);
      copyInto(this.numBatchesTracked, nextCount);
      for (const t of [nextMean, nextVar, nextCount]) t.dispose();
    });
  }
}
