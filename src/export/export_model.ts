/**
 * Export as a library call: a generator of a checkpoint written as .onnx or .pb, carrying its metadata
 * (direction, channels, trained size), so predict treats the exported file like the checkpoint.
 */
import { ConfigError } from '../errors.js';
import { loadGenerator } from '../io/checkpoint.js';
import { writePth } from '../io/pth_write.js';
import { toStoredMap } from '../io/tensor_store.js';
import { detectFormatOfBytes, readModelFile } from '../io/model_format.js';
import { exportGenerator, type ExportFormat } from './index.js';
import { modelMetadata, type ModelMetadata } from '../io/model_metadata.js';

export interface ExportModelOptions {
  /** A checkpoint written by train (OUT/checkpoints/latest.safetensors, OUT/model/CycleGan_epoch_N.safetensors) or a reference generator .pth. */
  checkpoint: string;
  /** pth: the generator's state_dict (reference names, zip format), which the PyTorch reference loads. */
  format: ExportFormat | 'pth';
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
  const out = o.out ?? o.checkpoint.replace(/\.(safetensors|pth)$/i, '') + (direction === 'BtoA' ? '_BtoA' : '') + `.${o.format}`;
  if (out === o.checkpoint) throw new ConfigError(`--out ${out} would overwrite the model it is exported from; give another --out`);
  const { net, meta } = loadGenerator(o.checkpoint, direction, bytes);
  const metadata = modelMetadata({ direction, channels: meta.generator.channels as 1 | 3, image_height: meta.image_height, image_width: meta.image_width, epoch: meta.epoch });
  try {
    // pth: as the reference's save_networks writes net_G_A.pth, without our metadata.
    if (o.format === 'pth') writePth(out, toStoredMap(net.namedState()));
    else exportGenerator(net, o.format, out, metadata);
  } finally {
    net.dispose();
  }
  return { out, metadata };
}
