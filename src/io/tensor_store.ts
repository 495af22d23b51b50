/** Moves engine tensors to and from the safetensors representation. */
import { tensor, type Tensor } from '../engine/index.js';
import type { StoredTensor } from './safetensors.js';
import { storedDType } from './safetensors.js';

/** A host copy of a tensor (bfloat16 and float16 are widened to float32). */
export function toStored(t: Tensor): StoredTensor {
  const data = t.data();
  return { dtype: storedDType(data), shape: t.shape, data };
}

export function fromStored(s: StoredTensor, device = 'cpu'): Tensor {
  const dtype = s.dtype === 'F32' ? 'float32' : s.dtype === 'F64' ? 'float64' : s.dtype === 'I64' ? 'int64' : s.dtype === 'I32' ? 'int32' : 'uint8';
  return tensor(s.data, s.shape, { dtype, device });
}

export function toStoredMap(named: Iterable<[string, Tensor]>): Map<string, StoredTensor> {
  return new Map([...named].map(([n, t]) => [n, toStored(t)]));
}
