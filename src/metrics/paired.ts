/**
 * Paired metrics, for when ground truth exists (a translation and the real image it should be):
 * L1 (mean absolute difference), PSNR and SSIM, on pixel values scaled to [0, 1].
 *
 * SSIM is Wang et al. (IEEE TIP 2004) as scikit-image's structural_similarity computes it with
 * gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1: Gaussian window of
 * radius 5 (truncate 3.5), reflected borders, K1 = 0.01, K2 = 0.03, the map averaged over the
 * pixels at least 5 from the edge, and the channels averaged. Plain float64 TypeScript: a few
 * hundred images of 256 x 256 take well under a second each.
 */
import { DatasetError } from '../errors.js';

export interface PlanarImage {
  /** Channels x height x width values in [0, 1]. */
  readonly data: Float64Array;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

export interface PairedScores {
  l1: number;
  /** In dB; Infinity for identical images. */
  psnr: number;
  ssim: number;
}

const SIGMA = 1.5;
const RADIUS = 5; // int(3.5 * 1.5 + 0.5), scipy.ndimage's truncate = 3.5 (win_size 11)
const C1 = (0.01 * 1) ** 2;
const C2 = (0.03 * 1) ** 2;

function gaussianKernel(): Float64Array {
  const k = Float64Array.from({ length: 2 * RADIUS + 1 }, (_, i) => Math.exp(-0.5 * ((i - RADIUS) / SIGMA) ** 2));
  const sum = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / sum);
}
const KERNEL = gaussianKernel();

/** scipy.ndimage's 'reflect' mode (d c b a | a b c d | d c b a), for offsets up to the size. */
function reflect(i: number, n: number): number {
  if (i < 0) return Math.min(-i - 1, n - 1);
  if (i >= n) return Math.max(2 * n - i - 1, 0);
  return i;
}

/** Separable Gaussian filter of one h x w plane. */
function gaussianFilter(plane: Float64Array, h: number, w: number): Float64Array {
  const tmp = new Float64Array(h * w);
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -RADIUS; k <= RADIUS; k++) s += (KERNEL[k + RADIUS] as number) * (plane[y * w + reflect(x + k, w)] as number);
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -RADIUS; k <= RADIUS; k++) s += (KERNEL[k + RADIUS] as number) * (tmp[reflect(y + k, h) * w + x] as number);
      out[y * w + x] = s;
    }
  }
  return out;
}

function ssimPlane(a: Float64Array, b: Float64Array, h: number, w: number): number {
  const product = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * (q[i] as number));
  const ux = gaussianFilter(a, h, w);
  const uy = gaussianFilter(b, h, w);
  const uxx = gaussianFilter(product(a, a), h, w);
  const uyy = gaussianFilter(product(b, b), h, w);
  const uxy = gaussianFilter(product(a, b), h, w);
  let total = 0;
  for (let y = RADIUS; y < h - RADIUS; y++) {
    for (let x = RADIUS; x < w - RADIUS; x++) {
      const i = y * w + x;
      const mx = ux[i] as number;
      const my = uy[i] as number;
      const vx = (uxx[i] as number) - mx * mx;
      const vy = (uyy[i] as number) - my * my;
      const vxy = (uxy[i] as number) - mx * my;
      total += ((2 * mx * my + C1) * (2 * vxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
    }
  }
  return total / ((h - 2 * RADIUS) * (w - 2 * RADIUS));
}

export function pairedScores(fake: PlanarImage, real: PlanarImage, name = 'image'): PairedScores {
  if (fake.channels !== real.channels || fake.height !== real.height || fake.width !== real.width) {
    throw new DatasetError(`${name}: the translation is ${fake.channels}x${fake.height}x${fake.width} but the ground truth is ${real.channels}x${real.height}x${real.width}`);
  }
  const { channels, height, width } = fake;
  if (height <= 2 * RADIUS || width <= 2 * RADIUS) throw new DatasetError(`${name}: SSIM needs images larger than ${2 * RADIUS + 1} x ${2 * RADIUS + 1} pixels, this one is ${width} x ${height}`);
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < fake.data.length; i++) {
    const d = (fake.data[i] as number) - (real.data[i] as number);
    abs += Math.abs(d);
    sq += d * d;
  }
  const n = fake.data.length;
  const plane = height * width;
  let ssim = 0;
  for (let c = 0; c < channels; c++) {
    ssim += ssimPlane(fake.data.subarray(c * plane, (c + 1) * plane), real.data.subarray(c * plane, (c + 1) * plane), height, width);
  }
  return { l1: abs / n, psnr: sq === 0 ? Infinity : 10 * Math.log10(n / sq), ssim: ssim / channels };
}

/** HWC uint8 pixels as a planar [0, 1] image. */
export function planarFromHwc(hwc: Uint8Array, channels: number, height: number, width: number): PlanarImage {
  const data = new Float64Array(channels * height * width);
  const plane = height * width;
  for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) data[c * plane + p] = (hwc[p * channels + c] as number) / 255;
  return { data, channels, height, width };
}
