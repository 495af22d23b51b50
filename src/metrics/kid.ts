/**
 * Kernel Inception Distance (Bińkowski et al., "Demystifying MMD GANs", ICLR 2018): the unbiased
 * estimate of the squared MMD between two feature sets under the cubic polynomial kernel
 * k(x, y) = (x·y / d + 1)^3, averaged over random subsets. Subset count (100), size (min(n, 1000))
 * and the per-subset formula follow clean-fid's kernel_distance (GaParmar/clean-fid, cleanfid/fid.py);
 * the standard deviation over subsets is torch-fidelity's (numpy std, ddof 0).
 *
 * Unlike FID it is unbiased, so it is comparable across the few hundred images a CycleGAN test set has.
 */
import { indexSelect, matmul, noGrad, tensor, tidy, type Tensor } from '../engine/index.js';
import { Rng } from '../engine/rng.js';
import { checkPair, type FeatureMatrix } from './features.js';

export interface KidOptions {
  /** Random subsets averaged; default 100. */
  subsets?: number;
  /** Largest subset size; default 1000 (the subsets have min(real, fake, this) images). */
  maxSubsetSize?: number;
  /** Seed of the subset draws; default 0. */
  seed?: number;
  /**
   * Largest set (images per side) whose whole kernel matrices are computed once; larger sets compute
   * each subset's blocks instead, so memory stays at a few subset-sized matrices. Default 4000
   * (three 4000 x 4000 float64 matrices are 384 MB).
   */
  wholeMatrixLimit?: number;
}

export interface KidResult {
  /** Mean of the per-subset MMD² estimates. */
  mean: number;
  /** Their standard deviation (population, ddof 0). */
  std: number;
  subsets: number;
  subsetSize: number;
}

/** m distinct indices from 0..n-1 (partial Fisher–Yates). */
export function drawSubset(rng: Rng, n: number, m: number): Int32Array {
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, m);
}

/** The cubic kernel matrix (a bᵀ / d + 1)^3 in float64, as a row-major array. */
function kernelMatrix(a: Tensor, b: Tensor, dim: number): Float64Array {
  // The read-back happens outside tidy, which would otherwise walk the returned array's elements.
  const k = tidy(() => matmul(a, b.transpose(0, 1)).div(dim).add(1).pow(3));
  try {
    return k.data() as Float64Array;
  } finally {
    k.dispose();
  }
}

/** Sum of k[rows[i]][cols[j]] over i, j, leaving out i == j when skipDiagonal. */
function blockSum(k: Float64Array, stride: number, rows: Int32Array, cols: Int32Array, skipDiagonal: boolean): number {
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const base = rows[i] * stride;
    let rowSum = 0;
    for (let j = 0; j < cols.length; j++) if (!skipDiagonal || i !== j) rowSum += k[base + cols[j]];
    total += rowSum;
  }
  return total;
}

/** The (fake, real) index subsets KID averages over, drawn from a generator seeded with `seed`. */
export function drawKidSubsets(seed: number, fakeRows: number, realRows: number, size: number, count: number): [Int32Array, Int32Array][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => [drawSubset(rng, fakeRows, size), drawSubset(rng, realRows, size)]);
}

/** One subset's unbiased MMD² (clean-fid's per-subset term divided by m). */
export function subsetMmd(kxx: Float64Array, kyy: Float64Array, kxy: Float64Array, nx: number, ny: number, ix: Int32Array, iy: Int32Array): number {
  const m = ix.length;
  const within = blockSum(kxx, nx, ix, ix, true) + blockSum(kyy, ny, iy, iy, true);
  return within / (m * (m - 1)) - (2 * blockSum(kxy, ny, ix, iy, false)) / (m * m);
}

/** One subset's unbiased MMD² from its own kernel blocks (for sets too large for whole matrices). */
function subsetMmdOnEngine(x: Tensor, y: Tensor, ix: Int32Array, iy: Int32Array, d: number): number {
  const m = ix.length;
  return noGrad(() =>
    tidy(() => {
      const xs = indexSelect(x, 0, tensor(Int32Array.from(ix), [m], { dtype: 'int32' }).to({ dtype: 'int64' }));
      const ys = indexSelect(y, 0, tensor(Int32Array.from(iy), [m], { dtype: 'int32' }).to({ dtype: 'int64' }));
      const k = (a: Tensor, b: Tensor) => matmul(a, b.transpose(0, 1)).div(d).add(1).pow(3);
      // The diagonal of a self-kernel is (|row|²/d + 1)³, from the row norms: no need to read the matrix's diagonal.
      const diagonal = (a: Tensor) => a.square().sum(1).div(d).add(1).pow(3).sum();
      const within = k(xs, xs).sum().sub(diagonal(xs)).add(k(ys, ys).sum().sub(diagonal(ys)));
      return within.item() / (m * (m - 1)) - (2 * k(xs, ys).sum().item()) / (m * m);
    }),
  );
}

/**
 * KID between two feature sets. Up to wholeMatrixLimit images per side, the three kernel matrices over
 * all images are computed once (BLAS, float64) and each subset sums its blocks, so 100 subsets cost
 * little more than one; above it, each subset's blocks are computed on their own.
 */
export function kernelInceptionDistance(real: FeatureMatrix, fake: FeatureMatrix, options: KidOptions = {}): KidResult {
  checkPair(real, fake, 'KID');
  const subsets = options.subsets ?? 100;
  const m = Math.min(real.rows, fake.rows, options.maxSubsetSize ?? 1000);
  const d = real.dim;
  // x is the fake side and y the real one, as in clean-fid (the estimate is symmetric anyway).
  const x = tensor(fake.data, [fake.rows, d], { dtype: 'float64' });
  const y = tensor(real.data, [real.rows, d], { dtype: 'float64' });
  const draws = drawKidSubsets(options.seed ?? 0, fake.rows, real.rows, m, subsets);
  let values: number[];
  try {
    if (Math.max(fake.rows, real.rows) > (options.wholeMatrixLimit ?? 4000)) {
      values = draws.map(([ix, iy]) => subsetMmdOnEngine(x, y, ix, iy, d));
    } else {
      const [kxx, kyy, kxy] = noGrad(() => [kernelMatrix(x, x, d), kernelMatrix(y, y, d), kernelMatrix(x, y, d)]);
      values = draws.map(([ix, iy]) => subsetMmd(kxx, kyy, kxy, fake.rows, real.rows, ix, iy));
    }
  } finally {
    x.dispose();
    y.dispose();
  }
  const mean = values.reduce((a, b) => a + b, 0) / subsets;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / subsets);
  return { mean, std, subsets, subsetSize: m };
}
