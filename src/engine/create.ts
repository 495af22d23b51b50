/** Creating tensors: from host data, constants, and seeded random values. */
import { EngineError } from '../errors.js';
import { native, type DType, type TypedData } from './native.js';
import { run, Tensor } from './tensor.js';

export interface CreateOptions {
  /** Element type; default float32. */
  dtype?: DType;
  /** 'cpu' (default), 'cuda' or 'cuda:N'. */
  device?: string;
}

function checkShape(shape: readonly number[]): number[] {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new EngineError(`Expected a shape of non-negative integers but received [${shape.join(', ')}]`);
  }
  return [...shape];
}

/** A tensor holding a copy of `data`, laid out in `shape` (row-major). */
export function tensor(data: TypedData | number[], shape: readonly number[], options: CreateOptions = {}): Tensor {
  const values = Array.isArray(data) ? Float32Array.from(data) : data;
  const s = checkShape(shape);
  return new Tensor(run('tensor', [s], () => native().fromData(values, s, options.dtype ?? 'float32', options.device ?? 'cpu')));
}

export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  const s = checkShape(shape);
  return new Tensor(run('full', [s], () => native().full(s, value, options.dtype ?? 'float32', options.device ?? 'cpu')));
}

export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function scalar(value: number, options: CreateOptions = {}): Tensor {
  return full([], value, options);
}

export interface RandomOptions extends CreateOptions {
  /** Draw from a fresh generator with this seed; without it, from the global generator (manualSeed). */
  seed?: number;
}

/** Standard normal values. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  const s = checkShape(shape);
  return new Tensor(run('randn', [s], () => native().randn(s, options.dtype ?? 'float32', options.device ?? 'cpu', options.seed)));
}

/** Uniform values in [0, 1). */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  const s = checkShape(shape);
  return new Tensor(run('rand', [s], () => native().rand(s, options.dtype ?? 'float32', options.device ?? 'cpu', options.seed)));
}
