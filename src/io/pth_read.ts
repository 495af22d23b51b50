/**
 * Reads PyTorch `.pth` state_dicts, as torch.save writes them, without running any of the pickle:
 * the zip format (PyTorch 1.6 and later: archive/data.pkl plus one record per storage) and the legacy
 * format (earlier, or `_use_new_zipfile_serialization=False`: five pickles back to back, then the raw
 * storages). A pickle can call any Python function while it is read; this reader resolves only the
 * globals a saved state_dict needs (ALLOWED_GLOBALS) and refuses any other by name, before anything
 * is built from the file. The pickle itself is parsed by `pickleparser`, the zip by `fflate`.
 */
import { unzipSync } from 'fflate';
import pickleparser from 'pickleparser';
import { CheckpointError } from '../errors.js';
import type { StoredTensor } from './safetensors.js';

const { Parser, BufferReader } = pickleparser;

/** torch.*Storage class -> how its elements are stored. */
const STORAGE_TYPES: Record<string, { bytes: number; kind: 'f32' | 'f64' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u8' }> = {
  FloatStorage: { bytes: 4, kind: 'f32' },
  DoubleStorage: { bytes: 8, kind: 'f64' },
  HalfStorage: { bytes: 2, kind: 'f16' },
  BFloat16Storage: { bytes: 2, kind: 'bf16' },
  LongStorage: { bytes: 8, kind: 'i64' },
  IntStorage: { bytes: 4, kind: 'i32' },
  ShortStorage: { bytes: 2, kind: 'i16' },
  CharStorage: { bytes: 1, kind: 'i8' },
  ByteStorage: { bytes: 1, kind: 'u8' },
  BoolStorage: { bytes: 1, kind: 'u8' },
};

export const ALLOWED_GLOBALS = [
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_TYPES).map((s) => `torch.${s}`),
] as const;

const HOW_TO_RESAVE = 'Save the weights as a plain state_dict: torch.save(net.state_dict(), path)';

class StorageType {
  constructor(
    readonly name: string,
    readonly bytes: number,
    readonly kind: (typeof STORAGE_TYPES)[string]['kind'],
  ) {}
}

/** A storage named by the pickle; its bytes come from a zip record or from the legacy file's tail. */
class StorageRef {
  bytes: Uint8Array | null = null;
  constructor(
    readonly type: StorageType,
    readonly key: string,
    readonly numel: number,
    /** Elements to skip: a legacy view into a larger root storage. */
    readonly offset = 0,
  ) {}
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

function toInt(value: unknown, what: string, source: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new CheckpointError(`${source}: expected a non-negative integer for ${what} but found ${String(value)}; the file is damaged.`);
  return n;
}

function intList(value: unknown, what: string, source: string): number[] {
  if (!Array.isArray(value)) throw new CheckpointError(`${source}: expected a tuple for ${what}; the file is damaged.`);
  return value.map((v) => toInt(v, what, source));
}

function rebuildTensor(source: string) {
  return (storage: unknown, offset: unknown, size: unknown, stride: unknown): TensorRef => {
    if (!(storage instanceof StorageRef)) throw new CheckpointError(`${source}: a tensor refers to something that is not a storage; the file is damaged.`);
    const ref = new TensorRef(storage, toInt(offset, 'a storage offset', source), intList(size, 'a tensor size', source), intList(stride, 'a tensor stride', source));
    if (ref.size.length !== ref.stride.length) throw new CheckpointError(`${source}: a tensor has ${ref.size.length} sizes but ${ref.stride.length} strides; the file is damaged.`);
    return ref;
  };
}

/** The name resolver: the allow-list, and a refusal naming anything else. */
function resolverFor(source: string) {
  return {
    resolve(module: string, name: string) {
      const full = `${module}.${name}`;
      if (full === 'collections.OrderedDict') {
        return (items?: unknown) => new Map(Array.isArray(items) ? (items as [unknown, unknown][]) : []);
      }
      if (full === 'torch._utils._rebuild_tensor_v2' || full === 'torch._utils._rebuild_tensor') return rebuildTensor(source);
      if (full === 'torch._utils._rebuild_parameter') return (data: unknown) => data;
      if (module === 'torch' && name in STORAGE_TYPES) return new StorageType(name, STORAGE_TYPES[name].bytes, STORAGE_TYPES[name].kind);
      throw new CheckpointError(
        `${source} asks to import the Python global '${full}' while loading. A state_dict needs only ${ALLOWED_GLOBALS.join(', ')}; ` +
          `this file may run code, so it is refused. ${HOW_TO_RESAVE}, in a Python you trust.`,
      );
    },
  };
}

function persistentFor(source: string, storages: Map<string, StorageRef>) {
  return {
    resolve(pid: unknown) {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof StorageType) || pid.length < 5) {
        throw new CheckpointError(`${source}: the pickle refers to an object that is not a tensor storage; only state_dicts can be read. ${HOW_TO_RESAVE}.`);
      }
      const type = pid[1];
      const key = String(pid[2]);
      const numel = toInt(pid[4], 'a storage size', source);
      let root = storages.get(key);
      if (!root) storages.set(key, (root = new StorageRef(type, key, numel)));
      // Legacy files may name a view of a root storage: (view key, offset, size).
      const view = pid[5];
      if (Array.isArray(view) && view.length === 3) return new StorageRef(type, key, toInt(view[2], 'a view size', source), toInt(view[1], 'a view offset', source));
      return root;
    },
  };
}

function parserFor(source: string, storages: Map<string, StorageRef>) {
  return new Parser({ nameResolver: resolverFor(source) as never, persistentResolver: persistentFor(source, storages), unpicklingTypeOfDictionary: 'Map', unpicklingTypeOfSet: 'array' });
}

/** Runs a pickle-level step, turning the parser's own errors into a CheckpointError about the file. */
function guarded<R>(source: string, what: string, fn: () => R): R {
  try {
    return fn();
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`${source}: its ${what} cannot be read (${(error as Error).message}); the file is truncated or damaged. Copy or save it again.`);
  }
}

function decodeZip(bytes: Uint8Array, source: string): Map<string, StoredTensor> {
  const files = guarded(source, 'zip archive', () => unzipSync(bytes));
  const pickles = Object.keys(files).filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (pickles.length !== 1) throw new CheckpointError(`${source} is a zip archive but not a PyTorch file (it holds ${pickles.length} data.pkl records, expected 1). ${HOW_TO_RESAVE}.`);
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  const byteorder = files[`${prefix}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') throw new CheckpointError(`${source} was saved on a big-endian machine; load and save it again on a little-endian one.`);
  const storages = new Map<string, StorageRef>();
  const root = guarded(source, 'pickle', () => parserFor(source, storages).parse(files[pickles[0]]));
  for (const [key, storage] of storages) {
    const record = files[`${prefix}data/${key}`];
    if (!record) throw new CheckpointError(`${source} lacks the record data/${key} for one of its tensors; the file is truncated or damaged.`);
    storage.bytes = record;
  }
  return stateDictOf(root, storages, source);
}

function decodeLegacy(bytes: Uint8Array, source: string): Map<string, StoredTensor> {
  const reader = new BufferReader(bytes);
  const storages = new Map<string, StorageRef>();
  const parser = parserFor(source, storages);
  // The magic number is a 10-byte LONG1, wider than pickleparser reads: compare its bytes, then skip them.
  const magic = [0x80, -1, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
  if (bytes.byteLength < magic.length || !magic.every((b, i) => b < 0 || bytes[i] === b)) {
    throw new CheckpointError(`${source} starts with a pickle but not with PyTorch's magic number: it is not a torch.save file. ${HOW_TO_RESAVE}.`);
  }
  reader.skip(magic.length);
  const protocol = guarded(source, 'header', () => parser.read(reader));
  if (Number(protocol) !== 1001) throw new CheckpointError(`${source} uses PyTorch's legacy protocol ${String(protocol)}; only 1001 is known. Load and save it again with a recent PyTorch.`);
  const sysInfo = guarded(source, 'header', () => parser.read(reader));
  if (sysInfo instanceof Map && sysInfo.get('little_endian') === false) throw new CheckpointError(`${source} was saved on a big-endian machine; load and save it again on a little-endian one.`);
  const root = guarded(source, 'pickle', () => parser.read(reader));
  const keys = guarded(source, 'storage list', () => parser.read(reader));
  if (!Array.isArray(keys)) throw new CheckpointError(`${source}: the storage list is missing; the file is damaged.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = reader.position;
  for (const key of keys.map(String)) {
    const storage = storages.get(key);
    if (!storage) throw new CheckpointError(`${source}: storage ${key} is listed but no tensor uses it; the file is damaged.`);
    if (pos + 8 > bytes.byteLength) throw new CheckpointError(`${source} ends before the data of storage ${key}: it is truncated. Copy or save it again.`);
    const numel = Number(view.getBigInt64(pos, true));
    pos += 8;
    const length = numel * storage.type.bytes;
    if (numel !== storage.numel || pos + length > bytes.byteLength) throw new CheckpointError(`${source} ends inside (or mislabels) the data of storage ${key}: it is truncated or damaged. Copy or save it again.`);
    storage.bytes = bytes.subarray(pos, pos + length);
    pos += length;
  }
  // Views share their root's bytes.
  return stateDictOf(root, storages, source);
}

/** Copies the elements a tensor sees (any strides) out of its storage, as float32 or int64. */
function materialise(t: TensorRef, storages: Map<string, StorageRef>, name: string, source: string): StoredTensor {
  const root = storages.get(t.storage.key)!;
  const { bytes: size, kind } = root.type;
  const data = root.bytes;
  if (!data) throw new CheckpointError(`${source}: no data for ${name}; the file is damaged.`);
  if (data.byteLength < root.numel * size) throw new CheckpointError(`${source}: the data of ${name} is shorter than its storage says: the file is truncated. Copy or save it again.`);
  const numel = t.size.reduce((a, b) => a * b, 1);
  const base = t.storage.offset + t.offset;
  if (numel > 0) {
    const last = base + t.size.reduce((acc, s, i) => acc + (s - 1) * t.stride[i], 0);
    if (last >= root.numel) throw new CheckpointError(`${source}: ${name} reaches past the end of its storage; the file is damaged.`);
  }
  const contiguous = t.size.every((_, i) => t.size[i] === 1 || t.stride[i] === t.size.slice(i + 1).reduce((a, b) => a * b, 1));
  if (contiguous && kind === 'f32') {
    const copy = new Uint8Array(numel * 4); // a fresh, aligned buffer (a record may start at any byte)
    copy.set(data.subarray(base * 4, (base + numel) * 4));
    return { dtype: 'F32', shape: [...t.size], data: new Float32Array(copy.buffer) };
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const integer = kind === 'i64' || kind === 'i32' || kind === 'i16' || kind === 'i8' || kind === 'u8';
  const out = kind === 'i64' ? new BigInt64Array(numel) : kind === 'f64' ? new Float64Array(numel) : integer ? new Int32Array(numel) : new Float32Array(numel);
  const read = (i: number): number | bigint => {
    const at = i * size;
    switch (kind) {
      case 'f32':
        return view.getFloat32(at, true);
      case 'f64':
        return view.getFloat64(at, true);
      case 'f16':
        return halfToFloat(view.getUint16(at, true));
      case 'bf16':
        return new Float32Array(new Uint32Array([view.getUint16(at, true) << 16]).buffer)[0];
      case 'i64':
        return view.getBigInt64(at, true);
      case 'i32':
        return view.getInt32(at, true);
      case 'i16':
        return view.getInt16(at, true);
      case 'i8':
        return view.getInt8(at);
      default:
        return view.getUint8(at);
    }
  };
  const index = new Array<number>(t.size.length).fill(0);
  for (let k = 0; k < numel; k++) {
    let at = base;
    for (let d = 0; d < index.length; d++) at += index[d] * t.stride[d];
    (out as unknown as (number | bigint)[])[k] = read(at);
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d] < t.size[d]) break;
      index[d] = 0;
    }
  }
  const dtype = kind === 'i64' ? 'I64' : kind === 'f64' ? 'F64' : integer ? 'I32' : 'F32';
  return { dtype, shape: [...t.size], data: out };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function stateDictOf(root: unknown, storages: Map<string, StorageRef>, source: string): Map<string, StoredTensor> {
  if (!(root instanceof Map)) throw new CheckpointError(`${source} holds a ${Array.isArray(root) ? 'list' : typeof root}, not a state_dict (a dict of tensor names to tensors). ${HOW_TO_RESAVE}.`);
  const out = new Map<string, StoredTensor>();
  for (const [key, value] of root) {
    if (typeof key !== 'string') throw new CheckpointError(`${source}: a state_dict key is not a string; the file is damaged.`);
    if (!(value instanceof TensorRef)) {
      throw new CheckpointError(`${source}: entry '${key}' is not a tensor, so this is not a state_dict (a training checkpoint with optimizer state, perhaps). ${HOW_TO_RESAVE}.`);
    }
    out.set(key, materialise(value, storages, key, source));
  }
  if (out.size === 0) throw new CheckpointError(`${source} is an empty state_dict; it holds no weights.`);
  return out;
}

export type PthFormat = 'zip' | 'legacy';

/** 'zip' (PK\3\4 with a data.pkl), 'legacy' (a pickle first), or null: from the first bytes. */
export function pthFormatOf(bytes: Uint8Array): PthFormat | null {
  if (bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'zip';
  // Legacy files start with the magic number pickled at protocol 2 or higher: PROTO n, then LONG1.
  if (bytes.byteLength >= 3 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5 && bytes[2] === 0x8a) return 'legacy';
  return null;
}

/** The tensors of a `.pth` state_dict, by name, as host copies (float32, float64, int32 or int64). */
export function decodePth(bytes: Uint8Array, source: string): Map<string, StoredTensor> {
  const format = pthFormatOf(bytes);
  if (format === 'zip') return decodeZip(bytes, source);
  if (format === 'legacy') return decodeLegacy(bytes, source);
  throw new CheckpointError(`${source} is not a PyTorch .pth file (neither its zip nor its legacy format). ${HOW_TO_RESAVE}.`);
}
