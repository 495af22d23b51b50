/**
 * The default feature extractor: Keras' ImageNet InceptionV3 as shipped by the npm package nsfwjs,
 * whose blocks after mixed5 were fine-tuned (for content classification) and whose weights are
 * quantized to uint8. Two feature spaces:
 *  - 'pool': the 2048-d global average of the last block (mixed10), where standard FID is taken,
 *    but here from fine-tuned, quantized layers;
 *  - 'mixed5': the 768-d global average of block mixed5, the last one still ImageNet's.
 * Neither equals the pt_inception-2015-12-05 network of published FID, so the numbers are reported
 * as KID* / FID* (see the README).
 *
 * Input: RGB in [-1, 1], Keras' preprocessing for InceptionV3 (nsfwjs itself feeds [0, 1] to its
 * classifier; the ImageNet layers were trained on [-1, 1]).
 */
import { noGrad, tidy, type Tensor } from '../engine/index.js';
import type { FeatureExtractor, FeatureSpace } from './extractor.js';
import { KerasNetwork } from './keras_network.js';
import { loadNsfwjsModel, type KerasModel } from './nsfwjs_weights.js';

const SPACES: readonly FeatureSpace[] = [
  { key: 'pool', dim: 2048, label: 'pool' },
  { key: 'mixed5', dim: 768, label: 'mixed5' },
];
const LAYERS: Record<string, string> = { pool: 'mixed10', mixed5: 'mixed5' };

export class InceptionExtractor implements FeatureExtractor {
  readonly name = 'InceptionV3 (Keras ImageNet weights, top blocks fine-tuned, from nsfwjs)';
  readonly imageSize = [299, 299] as const;
  readonly spaces = SPACES;

  private constructor(readonly network: KerasNetwork) {}

  /** Loads the weights from the installed nsfwjs package (or `dir`); nothing is downloaded. */
  static async load(options: { dir?: string; device?: string } = {}): Promise<InceptionExtractor> {
    return InceptionExtractor.fromModel(await loadNsfwjsModel(options.dir), options.device);
  }

  /** From a model already read (the benchmark hands the same weights to PyTorch). */
  static fromModel(model: KerasModel, device = 'cpu'): InceptionExtractor {
    return new InceptionExtractor(new KerasNetwork(model, device));
  }

  extract(images: Tensor): Record<string, Tensor> {
    return noGrad(() =>
      tidy(() => {
        const keys = SPACES.map((s) => s.key);
        const maps = this.network.forward(images, keys.map((k) => LAYERS[k] as string));
        return Object.fromEntries(keys.map((k, i) => [k, (maps[i] as Tensor).mean([2, 3])]));
      }),
    );
  }

  dispose(): void {
    this.network.dispose();
  }
}
