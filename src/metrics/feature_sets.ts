/** Runs a feature extractor over images (files or tensors) in batches, collecting one FeatureMatrix per feature space. */
import { loadImage } from '../data/decode.js';
import { noGrad, resize2d, stack, tensor, tidy, type Tensor } from '../engine/index.js';
import type { FeatureExtractor } from './extractor.js';
import type { FeatureMatrix } from './features.js';

/** Collects per-batch features into growing matrices. */
export class FeatureCollector {
  readonly #chunks = new Map<string, Float32Array[]>();
  #rows = 0;

  constructor(readonly extractor: FeatureExtractor) {}

  /**
   * Adds the features of a batch of NCHW RGB images in [-1, 1], of any size: resized to the extractor's
   * input size with bilinear interpolation first when they differ.
   */
  addBatch(images: Tensor): void {
    const [h, w] = this.extractor.imageSize;
    const features = noGrad(() =>
      tidy(() => {
        const x = images.shape[2] === h && images.shape[3] === w ? images : resize2d(images, [h, w], 'bilinear');
        const out = this.extractor.extract(x);
        return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.toFloat32()]));
      }),
    );
    for (const [key, values] of Object.entries(features)) {
      const list = this.#chunks.get(key) ?? [];
      list.push(values);
      this.#chunks.set(key, list);
    }
    this.#rows += images.shape[0] as number;
  }

  get rows(): number {
    return this.#rows;
  }

  /** The matrices, one per feature space of the extractor. */
  result(): Record<string, FeatureMatrix> {
    const out: Record<string, FeatureMatrix> = {};
    for (const space of this.extractor.spaces) {
      const data = new Float64Array(this.#rows * space.dim);
      let offset = 0;
      for (const chunk of this.#chunks.get(space.key) ?? []) {
        data.set(chunk, offset);
        offset += chunk.length;
      }
      out[space.key] = { rows: this.#rows, dim: space.dim, data };
    }
    return out;
  }
}

export interface FileFeatureOptions {
  /** Images per forward pass; default 8. */
  batchSize?: number;
  /** Called after each batch. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Where the extractor's weights live; default cpu. */
  device?: string;
}

/** Features of image files, each decoded as RGB and resized (bicubic, as the data loader does) to the extractor's input size. */
export async function featuresOfFiles(files: readonly string[], extractor: FeatureExtractor, options: FileFeatureOptions = {}): Promise<Record<string, FeatureMatrix>> {
  const collector = new FeatureCollector(extractor);
  const [height, width] = extractor.imageSize;
  const batchSize = options.batchSize ?? 8;
  for (let start = 0; start < files.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = files.slice(start, start + batchSize);
    const images = await Promise.all(batch.map((f) => loadImage(f, { channels: 3, height, width })));
    tidy(() => collector.addBatch(stack(images.map((chw) => tensor(chw, [3, height, width], { device: options.device ?? 'cpu' })))));
    options.onProgress?.(Math.min(start + batchSize, files.length), files.length);
  }
  return collector.result();
}
