/**
 * Predict: translate a folder with a saved model, without training. The model is loaded (and so
 * checked) before anything is written to the output folder, so a bad model leaves it untouched.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { packageVersion } from '../version.js';
import type { Parameters } from '../config/parameters.js';
import { convolutionPrecisionOf } from '../config/resolve.js';
import { checkDevice, setNumThreads } from '../engine/index.js';
import { effectivePrecision } from '../config/effective_precision.js';
import { loadGenerator } from '../io/checkpoint.js';
import { prepareDomain, writeDomainReport } from '../data/domain.js';
import type { EventSink } from '../io/events.js';
import { openRunFolder } from '../io/open_run_folder.js';
import { UseFailures } from '../data/use_failures.js';
import { generateTranslations } from '../translate/generate.js';
import { detectFormatOfBytes, modelRunnerOfBytes, readModelFile } from './model_runners/index.js';
import { checkTilingSupported, largeImageTranslator, type LargeImageOptions, type LargeImageTranslator } from '../translate/tiled/large_image.js';
import { engineTranslator, type Translator } from '../translate/translator.js';

export interface PredictOptions {
  /** The model: a generator or full checkpoint (.safetensors), an .onnx or a frozen .pb, told apart by content. */
  resume: string;
  /** Which generator of a checkpoint translates; default AtoB (X->Y). */
  direction?: 'AtoB' | 'BtoA';
  /** Translate each image at its own size (rounded to a multiple of 4) and restore that size. */
  keepSize?: boolean;
  source: string;
  out: string;
  parameters: Readonly<Parameters>;
  /** Parameter names the user set; image size defaults to the model's training size otherwise. */
  explicit?: ReadonlySet<string>;
  onEvent?: EventSink;
  /** Memory budget, tiling and pixel cap for images translated at their own size (tiled/large_image.ts). */
  largeImage?: LargeImageOptions;
}

export interface LoadedModel {
  translator: Translator;
  /** The size and channels the model was trained at, when the file records them (every file cyclegan writes does). */
  trainedSize?: { height: number; width: number; channels: number };
  /** What produced the translations, for the manifest. */
  producer: { model: string; format: 'checkpoint' | 'onnx' | 'pb'; direction?: 'AtoB' | 'BtoA'; epoch?: number; tool: string };
  /** For a checkpoint: the tiled path for images too large to translate whole. */
  largeImages?: (options?: LargeImageOptions) => LargeImageTranslator;
}

/**
 * Loads any supported model; an .onnx runs on onnxruntime without touching libtorch. `direction` picks
 * the generator of a checkpoint (default AtoB); an exported file holds one, which must be the one asked for.
 */
export async function loadModel(path: string, p: Readonly<Parameters>, direction?: 'AtoB' | 'BtoA', large?: LargeImageOptions): Promise<LoadedModel> {
  // Read once: the format is told from the bytes, and the model is built from the same bytes.
  const bytes = readModelFile(path);
  const format = detectFormatOfBytes(bytes, path);
  const tool = `cyclegan ${packageVersion()}`;
  if (format === 'onnx' || format === 'pb') {
    checkTilingSupported(format, large);
    if (format === 'pb') {
      setNumThreads(p.threads);
      checkDevice(p.device);
    }
    const runner = await modelRunnerOfBytes(bytes, path, format === 'onnx' ? { threads: p.threads } : { device: p.device });
    const m = runner.metadata;
    if (direction && (m?.direction ?? 'AtoB') !== direction) {
      runner.dispose();
      throw new ConfigError(
        m
          ? `${path} holds the ${m.direction} generator only, not ${direction}. Export ${direction} from the run's checkpoint (cyclegan export OUT/checkpoints/latest.safetensors --format ${format} --direction ${direction}) or predict from the checkpoint itself.`
          : `${path} does not say which generator it holds (it was not written by cyclegan), so --direction ${direction} cannot be honoured; leave --direction out to run it as it is.`,
      );
    }
    return {
      translator: runner,
      trainedSize: m && { height: m.image_height, width: m.image_width, channels: m.channels },
      producer: { model: resolve(path), format, direction: m?.direction, epoch: m?.epoch, tool },
    };
  }
  setNumThreads(p.threads);
  checkDevice(p.device);
  const { net, meta } = loadGenerator(path, direction ?? 'AtoB', bytes, p);
  const onDevice = net.to(p.device);
  return {
    translator: engineTranslator(onDevice, p.device, true, convolutionPrecisionOf(p)),
    trainedSize: { height: meta.image_height, width: meta.image_width, channels: meta.generator.channels },
    producer: { model: resolve(path), format, direction: meta.direction, epoch: meta.epoch, tool },
    largeImages: (options) => largeImageTranslator(onDevice, p.device, convolutionPrecisionOf(p), options),
  };
}

export async function predict(o: PredictOptions): Promise<{ generated: number; out: string }> {
  const started = Date.now();
  const parameters = effectivePrecision(o.parameters, (message) => o.onEvent?.({ type: 'warning', message }));
  const model = await loadModel(o.resume, parameters, o.direction, o.largeImage);
  try {
    const explicit = o.explicit ?? new Set<string>();
    const size = model.trainedSize;
    const p: Parameters = {
      ...parameters,
      image_height: size && !explicit.has('image_height') ? size.height : o.parameters.image_height,
      image_width: size && !explicit.has('image_width') ? size.width : o.parameters.image_width,
      image_channel: (size && !explicit.has('image_channel') ? size.channels : o.parameters.image_channel) as 1 | 3,
    };
    if (size && p.image_channel !== size.channels) {
      throw new ConfigError(
        `${o.resume} was trained on ${size.channels}-channel images, but image_channel is ${p.image_channel}. Leave image_channel out (every image is converted to the model's ${size.channels} channels) or use a model trained with image_channel ${p.image_channel}.`,
      );
    }
    // Locked like a training run: predicting into a folder being trained (or predicted into) is refused.
    const { folder, lock } = openRunFolder(o.out, 'predict', o.onEvent ?? (() => {}));
    try {
      const source = await prepareDomain('source', o.source, p.do_validation, o.onEvent, o.largeImage?.maxPixels);
      writeDomainReport(folder.root, [source]);
      const failures = new UseFailures();
      const entries = await generateTranslations({ files: source.usable, translator: model.translator, parameters: p, folder, keepSize: o.keepSize, onEvent: o.onEvent, onSkip: (path, reason) => failures.record(path, reason), producer: model.producer, largeImages: model.largeImages?.(o.largeImage) });
      if (failures.size) writeDomainReport(folder.root, [{ ...source, result: failures.applyTo(source.result) }]);
      o.onEvent?.({ type: 'done', outDir: folder.root, generated: entries.length, seconds: (Date.now() - started) / 1000 });
      return { generated: entries.length, out: folder.root };
    } finally {
      lock.release();
    }
  } finally {
    model.translator.dispose();
  }
}
