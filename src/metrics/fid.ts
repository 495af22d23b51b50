/**
 * Fréchet Inception Distance (Heusel et al., NeurIPS 2017): the Fréchet distance between Gaussians
 * fitted to two feature sets, |mu1 - mu2|² + tr(S1) + tr(S2) - 2 tr((S1 S2)^½).
 *
 * tr((S1 S2)^½) is computed as the sum of the square roots of the eigenvalues of the symmetric
 * matrix S1^½ S2 S1^½, which has the same eigenvalues as S1 S2 — two symmetric eigen-decompositions
 * (float64, LAPACK through libtorch) instead of scipy's general sqrtm. Tiny negative eigenvalues
 * from rounding are clamped to 0. When a result is not finite, both covariances get the usual small
 * diagonal offset (1e-6, as pytorch-fid and clean-fid do when sqrtm fails) and it is computed again.
 */
import { eigh, matmul, noGrad, tensor, tidy, type Tensor } from '../engine/index.js';
import { checkPair, type FeatureMatrix } from './features.js';

export interface FidResult {
  value: number;
  /** True when the diagonal offset was needed. */
  offsetApplied: boolean;
}

const OFFSET = 1e-6;

/** Mean (1 x d) and covariance (d x d, ddof 1, as numpy.cov) of the rows. */
function gaussianFit(f: FeatureMatrix): { mu: Tensor; sigma: Tensor } {
  const x = tensor(f.data, [f.rows, f.dim], { dtype: 'float64' });
  const mu = x.mean(0, true);
  const centered = x.sub(mu);
  return { mu, sigma: matmul(centered.transpose(0, 1), centered).div(f.rows - 1) };
}

/** Square root of a symmetric positive semi-definite matrix. */
function sqrtPsd(a: Tensor): Tensor {
  const { values, vectors } = eigh(a);
  return matmul(vectors.mul(values.clamp(0).sqrt()), vectors.transpose(0, 1));
}

function trace(a: Tensor, dim: number): number {
  const values = a.data() as Float64Array;
  let t = 0;
  for (let i = 0; i < dim; i++) t += values[i * dim + i];
  return t;
}

function frechet(mu1: Tensor, s1: Tensor, mu2: Tensor, s2: Tensor, dim: number): number {
  const root1 = sqrtPsd(s1);
  const m = matmul(matmul(root1, s2), root1);
  // Symmetrize: rounding makes m slightly asymmetric, and eigh reads one triangle only.
  const sym = m.add(m.transpose(0, 1)).div(2);
  const traceSqrt = eigh(sym).values.clamp(0).sqrt().sum().item();
  const meanTerm = mu1.sub(mu2).square().sum().item();
  return meanTerm + trace(s1, dim) + trace(s2, dim) - 2 * traceSqrt;
}

export function frechetInceptionDistance(real: FeatureMatrix, fake: FeatureMatrix): FidResult {
  checkPair(real, fake, 'FID');
  const d = real.dim;
  return noGrad(() =>
    tidy(() => {
      const a = gaussianFit(real);
      const b = gaussianFit(fake);
      const value = frechet(a.mu, a.sigma, b.mu, b.sigma, d);
      if (Number.isFinite(value)) return { value, offsetApplied: false };
      const offset = scaledIdentity(d, OFFSET);
      return { value: frechet(a.mu, a.sigma.add(offset), b.mu, b.sigma.add(offset), d), offsetApplied: true };
    }),
  );
}

function scaledIdentity(d: number, value: number): Tensor {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) out[i * d + i] = value;
  return tensor(out, [d, d], { dtype: 'float64' });
}
