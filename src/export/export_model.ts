/**
 * Export as a library call: a generator of a checkpoint written as .onnx or .pb, carrying its metadata
 * (direction, channels, trained size), so predict treats the exported file like the checkpoint.
 */
import { ConfigError } from '../errors.js';
import { loadGenerator } from '../io/checkpoint.js';
import { detectFormatOfBytes, readModelFile } from '../predict/model_runners/model_format.js';
import { exportGenerator, type ExportFormat } from './index.js';
import { modelMetadata, type ModelMetadata } from './model_metadata.js';

export interface ExportModelOptions {
  /** A checkpoint written by train: OUT/checkpoints/latest.safetensors or OUT/model/CycleGan_epoch_N.safetensors. */
  checkpoint: string;
  format: ExportFormat;
  /** AtoB exports G_A (X->Y, the default), BtoA exports G_B (Y->X; needs the full checkpoint). */
  direction?: 'AtoB' | 'BtoA';
  /** Default: the checkpoint's name with the format as extension (_BtoA added for BtoA). */
  out?: string;
}

export async function exportModel(o: ExportModelOptions): Promise<{ out: string; metadata: ModelMetadata }> {
  const direction = o.direction ?? 'AtoB';
  const bytes = readModelFile(o.checkpoint);
  const kind = detectFormatOfBytes(bytes, o.checkpoint);
  if (kind !== 'checkpoint') {
    throw new ConfigError(
      `${o.checkpoint} is ${kind === 'onnx' ? 'an ONNX model' : 'a frozen TensorFlow graph'}; export needs a checkpoint written by train (OUT/checkpoints/latest.safetensors, or OUT/model/CycleGan_epoch_N.safetensors for AtoB).`,
    );
  }
  const out = o.out ?? o.checkpoint.replace(/\.safetensors$/i, '') + (direction === 'BtoA' ? '_BtoA' : '') + `.${o.format}`;
  const { net, meta } = loadGenerator(o.checkpoint, direction, bytes);
  const metadata = modelMetadata({ direction, channels: meta.generator.channels as 1 | 3, image_height: meta.image_height, image_width: meta.image_width, epoch: meta.epoch });
  try {
    exportGenerator(net, o.format, out, metadata);
  } finally {
    net.dispose();
  }
  return { out, metadata };
}
