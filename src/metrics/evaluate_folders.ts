/**
 * `cyclegan eval`: KID* and FID* between a folder of real images and a folder of generated ones, in each
 * feature space of the extractor, plus L1/PSNR/SSIM against ground truth matched by file name when given.
 */
import { basename, extname } from 'node:path';
import { decodeResized } from '../data/decode.js';
import { scanInput } from '../data/scan.js';
import { validateFiles } from '../data/validate.js';
import { DatasetError } from '../errors.js';
import { orientedSize } from '../data/native_size.js';
import type { FeatureExtractor } from './extractor.js';
import { featuresOfFiles } from './feature_sets.js';
import { frechetInceptionDistance } from './fid.js';
import { InceptionExtractor } from './inception_extractor.js';
import { kernelInceptionDistance, type KidOptions } from './kid.js';
import { pairedScores, planarFromHwc, type PairedScores } from './paired.js';

export interface DistributionScores {
  /** KID* mean and standard deviation over subsets. */
  kid: { mean: number; std: number; subsets: number; subsetSize: number };
  fid: number;
}

export interface PairedReport {
  images: ({ name: string } & PairedScores)[];
  mean: PairedScores;
  /** Generated images without a ground-truth file of the same name. */
  unmatched: string[];
}

export interface EvaluationReport {
  extractor: string;
  images: { real: number; fake: number };
  /** Per feature space ('pool', 'mixed5'). */
  scores: Record<string, DistributionScores>;
  paired?: PairedReport;
}

export interface EvaluateFoldersOptions {
  real: string;
  fake: string;
  paired?: string;
  /** Default: the nsfwjs InceptionV3 (loaded here, disposed at the end). */
  extractor?: FeatureExtractor;
  kid?: KidOptions;
  batchSize?: number;
  /** cpu (default), cuda or cuda:N. */
  device?: string;
  onProgress?: (what: string, done: number, total: number) => void;
  signal?: AbortSignal;
}

/** The usable images of a folder; at least `min` of them. */
async function usableImages(dir: string, role: string, min: number): Promise<string[]> {
  const listing = await scanInput(dir);
  const { usable, rejected } = await validateFiles(listing.files);
  if (usable.length < min) {
    const skipped = rejected.length ? ` (${rejected.length} files could not be used, e.g. ${rejected[0]!.path}: ${rejected[0]!.reason})` : '';
    throw new DatasetError(
      `The ${role} folder ${listing.path} has ${usable.length} usable image${usable.length === 1 ? '' : 's'}${skipped}; KID and FID need at least ${min} images on each side: add images to it`,
    );
  }
  return usable.map((f) => f.path);
}

const stem = (path: string): string => basename(path, extname(path));

/** Pairs each generated image with the ground-truth image of the same name (extension aside). */
export async function pairedFolderScores(fakeFiles: readonly string[], pairedDir: string): Promise<PairedReport> {
  const truth = new Map<string, string>();
  for (const f of (await scanInput(pairedDir)).files) truth.set(stem(f.path), f.path);
  const images: PairedReport['images'] = [];
  const unmatched: string[] = [];
  for (const fake of fakeFiles) {
    const real = truth.get(stem(fake));
    if (!real) {
      unmatched.push(fake);
      continue;
    }
    // Compared at the generated image's size: the ground truth is resized to it when they differ.
    const { width, height } = await orientedSize(fake);
    const [a, b] = await Promise.all([decodeResized(fake, 3, height, width), decodeResized(real, 3, height, width)]);
    images.push({ name: basename(fake), ...pairedScores(planarFromHwc(a, 3, height, width), planarFromHwc(b, 3, height, width), fake) });
  }
  if (images.length === 0) {
    throw new DatasetError(`No generated image has a ground-truth file of the same name in ${pairedDir} (e.g. ${basename(fakeFiles[0] ?? '')}); name the pairs alike, extensions may differ`);
  }
  const mean = (key: keyof PairedScores) => images.reduce((s, i) => s + i[key], 0) / images.length;
  return { images, mean: { l1: mean('l1'), psnr: mean('psnr'), ssim: mean('ssim') }, unmatched };
}

export async function evaluateFolders(o: EvaluateFoldersOptions): Promise<EvaluationReport> {
  const realFiles = await usableImages(o.real, 'real', 2);
  const fakeFiles = await usableImages(o.fake, 'fake', 2);
  const extractor = o.extractor ?? (await InceptionExtractor.load({ device: o.device }));
  try {
    const features = async (files: string[], what: string) =>
      featuresOfFiles(files, extractor, { batchSize: o.batchSize, device: o.device, signal: o.signal, onProgress: (d, t) => o.onProgress?.(what, d, t) });
    const real = await features(realFiles, 'real');
    const fake = await features(fakeFiles, 'fake');
    const scores: Record<string, DistributionScores> = {};
    for (const space of extractor.spaces) {
      const r = real[space.key]!;
      const f = fake[space.key]!;
      scores[space.key] = { kid: kernelInceptionDistance(r, f, o.kid), fid: frechetInceptionDistance(r, f).value };
    }
    const report: EvaluationReport = { extractor: extractor.name, images: { real: realFiles.length, fake: fakeFiles.length }, scores };
    if (o.paired) report.paired = await pairedFolderScores(fakeFiles, o.paired);
    return report;
  } finally {
    if (!o.extractor) extractor.dispose();
  }
}
