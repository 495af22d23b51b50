/** A set of feature vectors (one row per image), as the distribution metrics (KID, FID) take them. */
import { DatasetError } from '../errors.js';

export interface FeatureMatrix {
  /** Number of images. */
  readonly rows: number;
  /** Feature dimension. */
  readonly dim: number;
  /** rows x dim values, row-major. */
  readonly data: Float64Array;
}

export function featureMatrix(rows: number, dim: number, data: ArrayLike<number>): FeatureMatrix {
  if (!Number.isInteger(rows) || !Number.isInteger(dim) || rows < 0 || dim < 1 || data.length !== rows * dim) {
    throw new DatasetError(`Expected ${rows} x ${dim} feature values but received ${data.length}`);
  }
  return { rows, dim, data: Float64Array.from(data) };
}

/** Stacks per-image vectors (all of one length) into a matrix. */
export function stackFeatures(vectors: readonly ArrayLike<number>[]): FeatureMatrix {
  const dim = vectors[0]?.length ?? 0;
  const data = new Float64Array(vectors.length * dim);
  vectors.forEach((v, i) => {
    if (v.length !== dim) throw new DatasetError(`Expected feature vectors of length ${dim} but vector ${i} has ${v.length}`);
    data.set(v, i * dim);
  });
  return { rows: vectors.length, dim, data };
}

/** Both sides must describe images in the same feature space, with at least two images each. */
export function checkPair(real: FeatureMatrix, fake: FeatureMatrix, metric: string): void {
  if (real.dim !== fake.dim) throw new DatasetError(`${metric}: the real and fake features differ in dimension (${real.dim} vs ${fake.dim}); extract both with the same extractor`);
  for (const [side, m] of [['real', real], ['fake', fake]] as const) {
    if (m.rows < 2) {
      throw new DatasetError(`${metric} needs at least 2 images on each side but the ${side} set has ${m.rows}; add images to the ${side} folder`);
    }
  }
}
