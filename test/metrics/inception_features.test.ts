// The InceptionV3 features (our loader and engine) equal TensorFlow.js running the same nsfwjs model
// (tfjs-layers on the CPU backend, loaded by nsfwjs's own bundles) within 1e-4, on a few images.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadImage } from '../../src/data/decode.js';
import { stack, tensor, tidy } from '../../src/engine/index.js';
import { InceptionExtractor } from '../../src/metrics/inception_extractor.js';
import { nsfwjsInceptionDir } from '../../src/metrics/nsfwjs_weights.js';
import { assertClose } from '../helpers/assert_close.js';
import { repoRoot } from '../helpers/reference.js';

interface BundledModel {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** nsfwjs's model as nsfwjs itself loads it: its bundles required as modules, then tf.loadLayersModel. */
async function tfjsModel(): Promise<tfl.LayersModel> {
  const dir = nsfwjsInceptionDir();
  const require = createRequire(join(dir, 'x.js'));
  const m = require('./model.min.js') as BundledModel;
  const group = m.weightsManifest[0]!;
  const shards = group.paths.map((p) => Buffer.from(require(`./${p}.min.js`) as string, 'base64'));
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const model = await tfl.loadLayersModel({ load: () => Promise.resolve({ modelTopology: m.modelTopology, weightSpecs: group.weights, weightData }) });
  return tfl.model({ inputs: model.inputs, outputs: [model.getLayer('mixed10').output, model.getLayer('mixed5').output] as tfl.SymbolicTensor[] });
}

let extractor: InceptionExtractor;
before(async () => {
  extractor = await InceptionExtractor.load();
});
after(() => extractor?.dispose());

test('pool (2048) and mixed5 (768) features equal tfjs within 1e-4', async () => {
  const files = ['a_photo.jpg', 'c_gray.png', 'b_alpha.png'].map((f) => join(repoRoot, 'test', 'fixtures', 'flat', f));
  const images = await Promise.all(files.map((f) => loadImage(f, { channels: 3, height: 299, width: 299 })));
  const ours = tidy(() => {
    const batch = stack(images.map((chw) => tensor(chw, [3, 299, 299])));
    const f = extractor.extract(batch);
    return { pool: f.pool!.toFloat32(), mixed5: f.mixed5!.toFloat32() };
  });
  assert.equal(ours.pool.length, 3 * 2048);
  assert.equal(ours.mixed5.length, 3 * 768);

  const model = await tfjsModel();
  const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(Float32Array.from(images.flatMap((chw) => Array.from(chw))), [3, 3, 299, 299]), [0, 2, 3, 1]));
  const [pool, mixed5] = tf.tidy(() => (model.predict(nhwc) as tf.Tensor[]).map((t) => tf.mean(t, [1, 2]).dataSync() as Float32Array));
  nhwc.dispose();
  model.dispose();
  assertClose(ours.pool, pool!, 'pool features', 1e-4, 1e-4);
  assertClose(ours.mixed5, mixed5!, 'mixed5 features', 1e-4, 1e-4);
  // The features must carry information: different images, different vectors.
  assert.ok(Math.abs(ours.pool[0]! - ours.pool[2048]!) + Math.abs(ours.pool[1]! - ours.pool[2049]!) > 1e-3);
});

