/**
 * Per-channel mean and variance of a whole activation, accumulated tile by tile with Chan et al.'s
 * pairwise merge in float64 ("Updating formulae and a pairwise algorithm for computing sample
 * variances", 1979): each tile contributes its own mean and sum of squared deviations from it
 * (tile_ops.ts), so no E[x^2] - E[x]^2 cancellation however large the image.
 */

export class ChannelStats {
  count = 0;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
  constructor(readonly channels: number) {
    this.mean = new Float64Array(channels);
    this.m2 = new Float64Array(channels);
  }

  /** Merges a part's count, means and sums of squared deviations. */
  merge(count: number, mean: ArrayLike<number>, m2: ArrayLike<number>, channels = this.channels): void {
    const total = this.count + count;
    for (let i = 0; i < channels; i++) {
      const delta = (mean[i] as number) - (this.mean[i] as number);
      this.mean[i] = (this.mean[i] as number) + (delta * count) / total;
      this.m2[i] = (this.m2[i] as number) + (m2[i] as number) + (delta * delta * this.count * count) / total;
    }
    this.count = total;
  }

  /** Instance norm as x * scale + shift: scale = weight / sqrt(var + eps), shift = bias - mean * scale (biased variance, as PyTorch). */
  normalisation(eps: number, weight?: ArrayLike<number>, bias?: ArrayLike<number>): { scale: Float32Array; shift: Float32Array } {
    const scale = new Float32Array(this.channels);
    const shift = new Float32Array(this.channels);
    for (let i = 0; i < this.channels; i++) {
      const s = (weight ? (weight[i] as number) : 1) / Math.sqrt((this.m2[i] as number) / this.count + eps);
      scale[i] = s;
      shift[i] = (bias ? (bias[i] as number) : 0) - (this.mean[i] as number) * s;
    }
    return { scale, shift };
  }
}
