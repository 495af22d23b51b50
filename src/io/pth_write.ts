/**
 * Writes a state_dict as PyTorch's zip `.pth` (what torch.save writes since 1.6): archive/data.pkl, a
 * protocol-2 pickle of an OrderedDict of tensors rebuilt with torch._utils._rebuild_tensor_v2 from
 * storages named by persistent ids; archive/data/K, the raw little-endian storage bytes; and
 * archive/version and archive/byteorder. The reference's torch.load + load_state_dict read it as is.
 */
import { zipSync, type Zippable } from 'fflate';
import { writeFileAtomic } from './atomic_write.js';
import type { StoredTensor } from './safetensors.js';

const STORAGE_OF = { F32: 'FloatStorage', F64: 'DoubleStorage', I64: 'LongStorage', I32: 'IntStorage', U8: 'ByteStorage' } as const;

/** Pickle opcodes this writer uses (pickletools' names). */
const OP = { PROTO: 0x80, GLOBAL: 0x63, EMPTY_TUPLE: 0x29, REDUCE: 0x52, MARK: 0x28, TUPLE: 0x74, SETITEMS: 0x75, BINUNICODE: 0x58, BININT: 0x4a, BINPERSID: 0x51, NEWFALSE: 0x89, STOP: 0x2e } as const;

class PickleWriter {
  readonly #chunks: number[] = [];
  byte(...b: number[]): this {
    this.#chunks.push(...b);
    return this;
  }
  global(module: string, name: string): this {
    return this.byte(OP.GLOBAL, ...Buffer.from(`${module}\n${name}\n`, 'ascii'));
  }
  string(s: string): this {
    const utf8 = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(utf8.length);
    return this.byte(OP.BINUNICODE, ...len, ...utf8);
  }
  int(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return this.byte(OP.BININT, ...b);
  }
  ints(values: readonly number[]): this {
    this.byte(OP.MARK);
    for (const v of values) this.int(v);
    return this.byte(OP.TUPLE);
  }
  emptyOrderedDict(): this {
    return this.global('collections', 'OrderedDict').byte(OP.EMPTY_TUPLE, OP.REDUCE);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.#chunks);
  }
}

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/** The bytes of a zip-format .pth holding `tensors` as a state_dict, under the archive folder `name`. */
export function encodePth(tensors: ReadonlyMap<string, StoredTensor>, name = 'archive'): Uint8Array {
  const p = new PickleWriter().byte(OP.PROTO, 2).emptyOrderedDict().byte(OP.MARK);
  const files: Zippable = {};
  let key = 0;
  for (const [tensorName, t] of tensors) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    p.string(tensorName);
    p.global('torch._utils', '_rebuild_tensor_v2').byte(OP.MARK);
    p.byte(OP.MARK).string('storage').global('torch', STORAGE_OF[t.dtype]).string(String(key)).string('cpu').int(numel).byte(OP.TUPLE, OP.BINPERSID);
    p.int(0).ints(t.shape).ints(contiguousStrides(t.shape)).byte(OP.NEWFALSE).emptyOrderedDict();
    p.byte(OP.TUPLE, OP.REDUCE);
    files[`${name}/data/${key}`] = [new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), { level: 0 }];
    key++;
  }
  p.byte(OP.SETITEMS, OP.STOP);
  // A fixed date keeps the bytes of a given state_dict the same from run to run.
  const mtime = new Date(Date.UTC(2020, 0, 1));
  return zipSync(
    {
      [`${name}/data.pkl`]: [p.bytes(), { level: 0 }],
      ...files,
      [`${name}/byteorder`]: [Buffer.from('little'), { level: 0 }],
      [`${name}/version`]: [Buffer.from('3\n'), { level: 0 }],
    },
    { mtime },
  );
}

/** Writes `tensors` to `path` as a zip-format .pth state_dict, atomically. */
export function writePth(path: string, tensors: ReadonlyMap<string, StoredTensor>): void {
  writeFileAtomic(path, encodePth(tensors));
}
