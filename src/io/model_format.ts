/**
 * Tells the model files apart by their content, not their names: a PyTorch .pth (zip, or a legacy
 * pickle; loaded as a checkpoint), a cyclegan checkpoint
 * (safetensors: a little-endian u64 header length, then a JSON header starting with '{'), an ONNX
 * ModelProto or a TensorFlow GraphDef. Both of the last are protobuf messages; their top-level fields
 * differ (ONNX starts with ir_version, a varint in field 1; a GraphDef's field 1 holds nodes), so a
 * scan of the top-level fields classifies a file, and one that ends inside a field is truncated.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Reader } from 'protobufjs';
import { CheckpointError } from '../errors.js';
import { MODEL_PROTO_FIELDS } from './onnx_proto.js';
import { GRAPH_DEF_FIELDS } from './tf_proto.js';
import { pthFormatOf } from './pth_read.js';

export type ModelFormat = 'onnx' | 'pb' | 'checkpoint';

const EXPECTED = 'Expected an ONNX model (.onnx), a frozen TensorFlow graph (.pb), a cyclegan checkpoint (safetensors) or a PyTorch state_dict (.pth)';

/** The whole file, or a CheckpointError that names it and the reason. */
export function readModelFile(path: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw new CheckpointError(`${path} is a folder; a model file is needed. ${modelFilesIn(path)}`);
    return readFileSync(path);
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Check the path.`);
  }
}

/** What to name instead of a folder: the model files of a run folder, newest first, or the kinds accepted. */
function modelFilesIn(folder: string): string {
  const found = [join(folder, 'checkpoints', 'latest.safetensors')].filter((f) => existsSync(f));
  try {
    const epochs = readdirSync(join(folder, 'model'))
      .map((f) => /^CycleGan_epoch_(\d+)\.(safetensors|onnx|pb)$/.exec(f))
      .filter((m) => m !== null)
      .sort((a, b) => Number(b[1]) - Number(a[1]));
    found.push(...epochs.slice(0, 3).map((m) => join(folder, 'model', m[0])));
  } catch {
    // not a run folder
  }
  return found.length ? `This run folder holds, for example: ${found.join(', ')}.` : `${EXPECTED}.`;
}

interface FieldScan {
  /** Field number -> wire type, for each top-level tag read. */
  fields: Map<number, number>;
  /** False when the bytes end inside a field or hold something no protobuf encoder writes. */
  complete: boolean;
}

function scanTopLevel(bytes: Uint8Array): FieldScan {
  const reader = Reader.create(bytes);
  const fields = new Map<number, number>();
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 0 || wireType === 3 || wireType === 4 || wireType > 5) return { fields, complete: false };
      fields.set(field, wireType);
      reader.skipType(wireType);
    }
  } catch {
    return { fields, complete: false };
  }
  return { fields, complete: true };
}

/** True when every field seen is one `schema` has, with its wire type, and `required` is among them. */
function fits(fields: ReadonlyMap<number, number>, schema: ReadonlyMap<number, number>, required: number): boolean {
  if (!fields.has(required)) return false;
  for (const [field, wireType] of fields) if (schema.get(field) !== wireType) return false;
  return true;
}

function leadingBytes(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Classifies `bytes` (read from `source`, which error messages name). */
export function detectFormatOfBytes(bytes: Uint8Array, source: string): ModelFormat {
  if (bytes.byteLength === 0) throw new CheckpointError(`${source} is empty. ${EXPECTED}; export or save it again.`);
  // A PyTorch .pth (zip or legacy pickle) loads like a checkpoint: weights into our generator.
  if (pthFormatOf(bytes)) return 'checkpoint';
  if (bytes.byteLength >= 9 && bytes[8] === 0x7b /* '{' */) {
    const headerLength = Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0);
    if (headerLength <= BigInt(bytes.byteLength - 8)) return 'checkpoint';
    if (headerLength < 100_000_000n) {
      throw new CheckpointError(
        `${source} looks like a safetensors checkpoint, but its ${headerLength}-byte header runs past the end of the ${bytes.byteLength}-byte file: it is truncated. Copy or save the checkpoint again.`,
      );
    }
  }
  const { fields, complete } = scanTopLevel(bytes);
  const onnx = fits(fields, MODEL_PROTO_FIELDS, 1);
  const pb = fits(fields, GRAPH_DEF_FIELDS, 1);
  if (complete && onnx && fields.has(7)) return 'onnx';
  if (complete && pb) return 'pb';
  if (!complete && (onnx || pb)) {
    throw new CheckpointError(
      `${source} looks like ${onnx ? 'an ONNX model' : 'a frozen TensorFlow graph'} but ends in the middle of a field (${bytes.byteLength} bytes): it is truncated. Copy or export it again.`,
    );
  }
  throw new CheckpointError(`${source} is not a model cyclegan can read (it starts with bytes ${leadingBytes(bytes)}). ${EXPECTED}.`);
}

/** 'onnx', 'pb' or 'checkpoint', from the content of the file at `path`. */
export function detectModelFormat(path: string): ModelFormat {
  return detectFormatOfBytes(readModelFile(path), path);
}
