/**
 * Tensor: a typed handle on a libtorch tensor. Every op returns a new Tensor recorded in the
 * current `tidy` scope; a failing op throws an EngineError naming the op and its inputs' shapes.
 */
import { EngineError } from '../errors.js';
import { native, type BinaryOp, type DType, type MemoryFormat, type NativeTensor, type ReduceOp, type ScalarOp, type TypedData, type UnaryOp } from './native.js';
import { track } from './scope.js';

export type { DType, MemoryFormat } from './native.js';

function describe(x: unknown): string {
  if (x instanceof Tensor) return x.isDisposed ? 'a disposed tensor' : `[${x.shape.join(', ')}] ${x.dtype}`;
  if (Array.isArray(x)) return x.map(describe).join(', ');
  return String(x);
}

/**
 * Runs one native call. Disposed inputs are caught here with a clear message;
 * libtorch's own errors (shape or dtype mismatch) come back as EngineError.
 */
export function run<R>(op: string, inputs: readonly unknown[], call: () => R): R {
  for (const input of inputs) {
    if (input instanceof Tensor && input.isDisposed) {
      throw new EngineError(`${op}: an input tensor was already disposed; keep it (keep() or return it from tidy) or stop using it after dispose()`);
    }
  }
  try {
    return call();
  } catch (error) {
    if (error instanceof EngineError) throw error;
    const message = (error as Error).message.split('\n')[0];
    const shapes = inputs.filter((x) => x instanceof Tensor || Array.isArray(x)).map(describe).join('; ');
    throw new EngineError(`${op} failed${shapes ? ` for inputs ${shapes}` : ''}: ${message}`);
  }
}

export class Tensor {
  #handle: NativeTensor | null;
  #shape: number[] | undefined;

  /** Wraps a native handle; library code only (use the creation functions in create.ts). */
  constructor(handle: NativeTensor) {
    this.#handle = handle;
    track(this);
  }

  /** The native handle; throws when the tensor was disposed. */
  get handle(): NativeTensor {
    if (!this.#handle) throw new EngineError('tensor used after dispose()');
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  dispose(): void {
    if (this.#handle) native().dispose(this.#handle);
    this.#handle = null;
  }

  get shape(): number[] {
    this.#shape ??= native().shape(this.handle);
    return [...this.#shape];
  }
  get rank(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get dtype(): DType {
    return native().dtype(this.handle);
  }
  get device(): string {
    return native().device(this.handle);
  }

  // ---- data
  /** A copy of the values on the host: float32 for floating types (bfloat16 widened), else the integer type. */
  data(): TypedData {
    return run('data', [this], () => native().toData(this.handle));
  }
  /** The values as float32, for tests and images. */
  toFloat32(): Float32Array {
    const d = this.data();
    return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>, Number);
  }
  /** The values as float32 (row-major) into `out`, which must hold exactly numel() floats: no new array. */
  toFloat32Into(out: Float32Array): Float32Array {
    run('data', [this], () => native().toDataInto(this.handle, out));
    return out;
  }
  item(): number {
    return run('item', [this], () => native().item(this.handle));
  }

  // ---- elementwise
  #unary(op: UnaryOp): Tensor {
    return new Tensor(run(op, [this], () => native().unary(op, this.handle)));
  }
  #binary(op: BinaryOp & ScalarOp, other: Tensor | number): Tensor {
    if (typeof other === 'number') return new Tensor(run(op, [this, other], () => native().scalar(op, this.handle, other)));
    return new Tensor(run(op, [this, other], () => native().binary(op, this.handle, other.handle)));
  }
  add(other: Tensor | number): Tensor {
    return this.#binary('add', other);
  }
  sub(other: Tensor | number): Tensor {
    return this.#binary('sub', other);
  }
  mul(other: Tensor | number): Tensor {
    return this.#binary('mul', other);
  }
  div(other: Tensor | number): Tensor {
    return this.#binary('div', other);
  }
  pow(other: Tensor | number): Tensor {
    return this.#binary('pow', other);
  }
  /** `s - this` */
  rsub(s: number): Tensor {
    return new Tensor(run('rsub', [this], () => native().scalar('rsub', this.handle, s)));
  }
  maximum(other: Tensor): Tensor {
    return new Tensor(run('maximum', [this, other], () => native().binary('maximum', this.handle, other.handle)));
  }
  minimum(other: Tensor): Tensor {
    return new Tensor(run('minimum', [this, other], () => native().binary('minimum', this.handle, other.handle)));
  }
  neg(): Tensor {
    return this.#unary('neg');
  }
  abs(): Tensor {
    return this.#unary('abs');
  }
  sqrt(): Tensor {
    return this.#unary('sqrt');
  }
  rsqrt(): Tensor {
    return this.#unary('rsqrt');
  }
  square(): Tensor {
    return this.#unary('square');
  }
  exp(): Tensor {
    return this.#unary('exp');
  }
  log(): Tensor {
    return this.#unary('log');
  }
  relu(): Tensor {
    return this.#unary('relu');
  }
  tanh(): Tensor {
    return this.#unary('tanh');
  }
  sigmoid(): Tensor {
    return this.#unary('sigmoid');
  }
  round(): Tensor {
    return this.#unary('round');
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return new Tensor(run('leaky_relu', [this], () => native().scalar('leaky_relu', this.handle, negativeSlope)));
  }
  clamp(min?: number, max?: number): Tensor {
    return new Tensor(run('clamp', [this], () => native().clamp(this.handle, min, max)));
  }
  clone(): Tensor {
    return this.#unary('clone');
  }
  /** A tensor sharing storage but cut off from the autograd graph. */
  detach(): Tensor {
    return this.#unary('detach');
  }

  // ---- reductions
  #reduce(op: ReduceOp, dims?: number | number[], keepdim = false): Tensor {
    const d = dims === undefined ? null : typeof dims === 'number' ? [dims] : dims;
    return new Tensor(run(op, [this], () => native().reduce(op, this.handle, d, keepdim)));
  }
  sum(dims?: number | number[], keepdim = false): Tensor {
    return this.#reduce('sum', dims, keepdim);
  }
  mean(dims?: number | number[], keepdim = false): Tensor {
    return this.#reduce('mean', dims, keepdim);
  }
  max(dims?: number | number[], keepdim = false): Tensor {
    return this.#reduce('amax', dims, keepdim);
  }
  min(dims?: number | number[], keepdim = false): Tensor {
    return this.#reduce('amin', dims, keepdim);
  }

  // ---- shape and layout
  reshape(shape: number[]): Tensor {
    return new Tensor(run('reshape', [this, shape], () => native().reshape(this.handle, shape)));
  }
  permute(dims: number[]): Tensor {
    return new Tensor(run('permute', [this, dims], () => native().permute(this.handle, dims)));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(run('transpose', [this], () => native().transpose(this.handle, dim0, dim1)));
  }
  expand(shape: number[]): Tensor {
    return new Tensor(run('expand', [this, shape], () => native().expand(this.handle, shape)));
  }
  flip(dims: number[]): Tensor {
    return new Tensor(run('flip', [this, dims], () => native().flip(this.handle, dims)));
  }
  /** Elements `start` (inclusive) to `end` (exclusive) along `dim`; negative indices count from the end. */
  slice(dim: number, start: number, end: number = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
    return new Tensor(run('slice', [this], () => native().slice(this.handle, dim, start, end, step)));
  }
  select(dim: number, index: number): Tensor {
    return new Tensor(run('select', [this], () => native().select(this.handle, dim, index)));
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(run('unsqueeze', [this], () => native().unsqueeze(this.handle, dim)));
  }
  squeeze(dim: number): Tensor {
    return new Tensor(run('squeeze', [this], () => native().squeeze(this.handle, dim)));
  }
  contiguous(format: MemoryFormat = 'contiguous'): Tensor {
    return new Tensor(run('contiguous', [this], () => native().contiguous(this.handle, format)));
  }
  /** NHWC storage order, which oneDNN convolutions prefer on some CPUs. */
  channelsLast(): Tensor {
    return this.contiguous('channels_last');
  }
  isContiguous(format: MemoryFormat = 'contiguous'): boolean {
    return native().isContiguous(this.handle, format);
  }
  /** Converts dtype, device and/or memory format (in one pass); differentiable. */
  to(options: { dtype?: DType; device?: string; memoryFormat?: MemoryFormat }): Tensor {
    const dtype = options.dtype ?? this.dtype;
    const device = options.device ?? this.device;
    return new Tensor(run('to', [this, dtype, device], () => native().to(this.handle, dtype, device, options.memoryFormat)));
  }

  // ---- autograd
  get requiresGrad(): boolean {
    return native().requiresGrad(this.handle);
  }
  set requiresGrad(flag: boolean) {
    run('requiresGrad', [this], () => native().setRequiresGrad(this.handle, flag));
  }
  /** The accumulated gradient (a new handle on the same storage), or null. */
  get grad(): Tensor | null {
    const g = native().grad(this.handle);
    return g ? new Tensor(g) : null;
  }
  /** Back-propagates from this (scalar) tensor, or with an explicit upstream gradient. */
  backward(gradient?: Tensor): void {
    run('backward', gradient ? [this, gradient] : [this], () => native().backward(this.handle, gradient?.handle));
  }

  toString(): string {
    return `Tensor(${describe(this)}, ${this.isDisposed ? '' : this.device})`;
  }
}
