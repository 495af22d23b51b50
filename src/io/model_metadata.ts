/**
 * What every model file cyclegan writes says about itself, so predict treats all three alike: the
 * generator's direction, the channels and size it was trained at, its epoch and the tool that wrote it.
 * A .safetensors keeps it in its header's __metadata__ (GeneratorMeta in src/io/checkpoint.ts); an .onnx
 * in ModelProto.metadata_props under the key "cyclegan"; a .pb in a string Const node named
 * "cyclegan_metadata" that no op consumes (TensorFlow prunes it; `sess.run("cyclegan_metadata:0")` reads it).
 */
import { CheckpointError } from '../errors.js';
import { packageVersion } from '../version.js';

export const MODEL_METADATA_FORMAT = 'cyclegan-model/1';
/** The ONNX metadata_props key, and (with _metadata) the .pb node name. */
export const MODEL_METADATA_KEY = 'cyclegan';
export const PB_METADATA_NODE = 'cyclegan_metadata';

export interface ModelMetadata {
  format: typeof MODEL_METADATA_FORMAT;
  direction: 'AtoB' | 'BtoA';
  channels: 1 | 3;
  image_height: number;
  image_width: number;
  epoch: number;
  /** "cyclegan 0.1.0" */
  producer: string;
}

export function modelMetadata(m: Omit<ModelMetadata, 'format' | 'producer'>): ModelMetadata {
  return { format: MODEL_METADATA_FORMAT, direction: m.direction, channels: m.channels, image_height: m.image_height, image_width: m.image_width, epoch: m.epoch, producer: `cyclegan ${packageVersion()}` };
}

/** Reads the JSON a model file carries; a file that carries none (made elsewhere) gives undefined. */
export function parseModelMetadata(text: string | undefined, source: string): ModelMetadata | undefined {
  if (text === undefined) return undefined;
  let value: Partial<ModelMetadata>;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CheckpointError(`${source}: its cyclegan metadata is not valid JSON; the file is damaged. Export it again.`);
  }
  const sizeOk = (n: unknown) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65536;
  if (value?.format !== MODEL_METADATA_FORMAT || (value.direction !== 'AtoB' && value.direction !== 'BtoA') || (value.channels !== 1 && value.channels !== 3) || !sizeOk(value.image_height) || !sizeOk(value.image_width)) {
    throw new CheckpointError(`${source}: its cyclegan metadata ${text.slice(0, 200)} is not of format ${MODEL_METADATA_FORMAT}; export the model again with this version.`);
  }
  return value as ModelMetadata;
}
