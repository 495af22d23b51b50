/**
 * The safetensors format (8-byte little-endian header length, JSON header, raw little-endian data):
 * our checkpoints and golden files use it, so weights move to and from PyTorch with a few lines of Python.
 */
import { readFileSync } from 'node:fs';
import { CheckpointError } from '../errors.js';
import { writeFileAtomic } from './atomic_write.js';

export type StoredDType = 'F32' | 'F64' | 'I64' | 'I32' | 'U8';
export type StoredData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface StoredTensor {
  dtype: StoredDType;
  shape: number[];
  data: StoredData;
}

const ARRAY_TYPES = { F32: Float32Array, F64: Float64Array, I64: BigInt64Array, I32: Int32Array, U8: Uint8Array } as const;

export function storedDType(data: StoredData): StoredDType {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  return 'U8';
}

/** Serialises tensors (in the given order) and string metadata. */
export function encodeSafetensors(tensors: ReadonlyMap<string, StoredTensor>, metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference implementation does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const body = [...tensors.values()].map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return [head, Buffer.from(json), ...body];
}

export function writeSafetensors(path: string, tensors: ReadonlyMap<string, StoredTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export interface SafetensorsFile {
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string>;
}

export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const fail = (why: string): never => {
    throw new CheckpointError(`${source} is not a readable safetensors file: ${why}. Was it written completely? Use a checkpoint saved by cyclegan.`);
  };
  if (bytes.byteLength < 8) fail('it is shorter than its 8-byte header length');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.readBigUInt64LE(0));
  if (headerLength > bytes.byteLength - 8 || headerLength > 100_000_000) fail(`its header length (${headerLength}) exceeds the file size`);
  let header: Record<string, { dtype: StoredDType; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(view.subarray(8, 8 + headerLength).toString('utf8'));
  } catch {
    return fail('its header is not JSON');
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: StoredDType; shape: number[]; data_offsets: [number, number] };
    const ArrayType = ARRAY_TYPES[dtype];
    if (!ArrayType) fail(`tensor ${name} has unsupported dtype ${dtype} (expected F32, F64, I64, I32 or U8)`);
    const [begin, end] = offsets;
    if (dataStart + end > bytes.byteLength) fail(`tensor ${name} runs past the end of the file (truncated?)`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * ArrayType.BYTES_PER_ELEMENT) fail(`tensor ${name} has ${end - begin} bytes for shape [${shape}]`);
    // Copy into an aligned buffer: the data section need not be aligned for every element type.
    const copy = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { dtype, shape, data: new ArrayType(copy.buffer, 0, count) });
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}

export function readSafetensors(path: string): SafetensorsFile {
  return decodeSafetensors(readWeightsFile(path), path);
}

/** The bytes of a weights file, or a CheckpointError naming it. */
export function readWeightsFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CheckpointError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Check the path.`);
  }
}
