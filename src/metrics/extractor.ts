/**
 * Feature extractors: what turns images into the vectors KID and FID compare. Pluggable, so another
 * network (for example the standard pt_inception-2015-12-05 once a .pth loader exists, which gives the
 * published FID) can replace the default without touching the metrics.
 */
import type { Tensor } from '../engine/index.js';

export interface FeatureSpace {
  /** Key in results ('pool', 'mixed5'). */
  readonly key: string;
  readonly dim: number;
  /** What the numbers measured in this space are called in reports (e.g. KID* for non-standard features). */
  readonly label: string;
}

export interface FeatureExtractor {
  /** Names the network and its weights in reports. */
  readonly name: string;
  /** The input size images are resized to (height, width). */
  readonly imageSize: readonly [number, number];
  readonly spaces: readonly FeatureSpace[];
  /**
   * Features of a batch: images are NCHW float32 RGB in [-1, 1] at imageSize. Returns, per space,
   * an [N, dim] tensor that the caller disposes.
   */
  extract(images: Tensor): Record<string, Tensor>;
  dispose(): void;
}
