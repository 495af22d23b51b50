/**
 * The whole native addon, described by one interface. Nothing else imports the `.node` file:
 * everything in src/engine goes through `native()`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.js';

/** An opaque handle owning one at::Tensor. */
export interface NativeTensor {
  readonly __nativeTensor: never;
}

export type DType = 'float32' | 'float64' | 'bfloat16' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';
export type MemoryFormat = 'contiguous' | 'channels_last';
export type PadMode = 'reflect' | 'replicate' | 'constant';
export type UnaryOp = 'neg' | 'abs' | 'sqrt' | 'rsqrt' | 'square' | 'exp' | 'log' | 'relu' | 'tanh' | 'sigmoid' | 'round' | 'clone' | 'detach';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'mse_loss' | 'l1_loss';
export type ScalarOp = 'add' | 'sub' | 'rsub' | 'mul' | 'div' | 'pow' | 'leaky_relu' | 'mse_loss';
export type ReduceOp = 'sum' | 'mean' | 'amax' | 'amin';
export type TypedData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
type T = NativeTensor;
type Opt<X> = X | null | undefined;

export interface NativeAddon {
  // creation and read-back
  fromData(data: TypedData, shape: number[], dtype: DType, device: string): T;
  full(shape: number[], value: number, dtype: DType, device: string): T;
  randn(shape: number[], dtype: DType, device: string, seed?: number): T;
  rand(shape: number[], dtype: DType, device: string, seed?: number): T;
  normal_(t: T, mean: number, std: number, seed?: number): void;
  toData(t: T): TypedData;
  toDataInto(t: T, out: Float32Array): void;
  item(t: T): number;
  shape(t: T): number[];
  dtype(t: T): DType;
  device(t: T): string;
  dispose(t: T): void;
  isDisposed(t: T): boolean;
  liveTensors(): number;
  // elementwise, reductions, losses
  unary(op: UnaryOp, x: T): T;
  binary(op: BinaryOp, a: T, b: T): T;
  scalar(op: ScalarOp, x: T, s: number): T;
  clamp(x: T, min: Opt<number>, max: Opt<number>): T;
  reduce(op: ReduceOp, x: T, dims: Opt<number[]>, keepdim: boolean): T;
  // nn
  conv2d(x: T, w: T, b: Opt<T>, stride: number[], padding: number[], dilation: number[], groups: number): T;
  /** bfloat16 arithmetic on float32 tensors through oneDNN (native/direct_conv.cc); null where that path does not apply. */
  conv2dBf16(x: T, w: T, b: Opt<T>, stride: number[], padding: number[], dilation: number[], groups: number): T | null;
  convTranspose2d(x: T, w: T, b: Opt<T>, stride: number[], padding: number[], outputPadding: number[], groups: number, dilation: number[]): T;
  instanceNorm(x: T, weight: Opt<T>, bias: Opt<T>, eps: number): T;
  instanceNormReluPad(x: T, eps: number, relu: boolean, pad: number): T;
  pad(x: T, pads: number[], mode: PadMode, value: number): T;
  interleavePhases(phases: T[]): T;
  upsample(x: T, size: number[], mode: 'bilinear' | 'nearest'): T;
  maxPool2d(x: T, kernel: number[], stride: number[], padding: number[]): T;
  avgPool2d(x: T, kernel: number[], stride: number[], padding: number[], countIncludePad: boolean): T;
  // linear algebra
  matmul(a: T, b: T): T;
  eigh(x: T): [T, T];
  indexSelect(x: T, dim: number, index: T): T;
  // shape and layout
  reshape(x: T, shape: number[]): T;
  permute(x: T, dims: number[]): T;
  expand(x: T, shape: number[]): T;
  flip(x: T, dims: number[]): T;
  cat(xs: T[], dim: number): T;
  stack(xs: T[], dim: number): T;
  unsqueeze(x: T, dim: number): T;
  squeeze(x: T, dim: number): T;
  transpose(x: T, dim0: number, dim1: number): T;
  slice(x: T, dim: number, start: number, end: number, step: number): T;
  select(x: T, dim: number, index: number): T;
  contiguous(x: T, format: MemoryFormat): T;
  relayout(x: T, format: MemoryFormat): T;
  isContiguous(x: T, format: MemoryFormat): boolean;
  to(x: T, dtype: DType, device: string, format?: MemoryFormat): T;
  // autograd
  setRequiresGrad(x: T, flag: boolean): void;
  requiresGrad(x: T): boolean;
  backward(loss: T, gradient: Opt<T>): void;
  grad(x: T): T | null;
  zeroGrad(xs: T[]): void;
  setGradEnabled(flag: boolean): boolean;
  isGradEnabled(): boolean;
  copy_(dst: T, src: T): void;
  setData(x: T, source: T): void;
  fill_(dst: T, value: number): void;
  // optimizers
  adamStep(params: T[], expAvg: T[], expAvgSq: T[], step: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number): void;
  // runtime
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  cudaDeviceCount(): number;
  synchronize(): void;
  buildInfo(): { torchVersion: string; cuda: boolean; mkldnn: boolean; parallel: string };
  allocatorStats(): AllocatorStats;
  emptyCache(): void;
  winograd(): WinogradState;
  setWinograd(enabled: boolean): void;
  directConv(): DirectConvState;
  setDirectConv(enabled: boolean): void;
  beginWeightCache(): void;
  endWeightCache(): void;
  // data-parallel collectives (native/distributed.cc); each talks to the peers off the JS thread
  distCreate(options: DistCreateOptions): Promise<{ group: NativeProcessGroup; port: number }>;
  distAllreduceMean(group: NativeProcessGroup, params: T[], weight: number): Promise<number>;
  distAllreduceSum(group: NativeProcessGroup, tensors: T[]): Promise<void>;
  distBroadcast(group: NativeProcessGroup, tensors: T[], root: number): Promise<void>;
  distBarrier(group: NativeProcessGroup): Promise<void>;
  distStoreSet(group: NativeProcessGroup, key: string, value: string): Promise<void>;
  distStoreGet(group: NativeProcessGroup, key: string, timeoutMs: number): Promise<string | null>;
  distDestroy(group: NativeProcessGroup): void;
  distBackends(): string[];
}

/** An opaque handle on a c10d store and process group. */
export interface NativeProcessGroup {
  readonly __nativeProcessGroup: never;
}

export interface DistCreateOptions {
  backend: 'gloo' | 'nccl';
  rank: number;
  worldSize: number;
  /** The master's address: rank 0 listens there, the others connect to it. */
  host: string;
  /** The master's port; 0 on the master picks a free one. */
  port: number;
  isServer: boolean;
  timeoutMs: number;
  /** A network interface for Gloo's connections (as GLOO_SOCKET_IFNAME); empty for the default. */
  interface?: string;
}

/**
 * A convolution path that calls oneDNN directly (native/onednn_conv.cc): Winograd 3x3 convolutions, or bfloat16
 * convolutions on float32 tensors. Built with oneDNN, and not switched off.
 */
export interface OnednnPathState {
  built: boolean;
  enabled: boolean;
  /** Shapes whose oneDNN primitives are kept (at most 32, least recently used dropped first). */
  plans: number;
}

export type WinogradState = OnednnPathState;

export interface DirectConvState extends OnednnPathState {
  /** bfloat16 weight conversions kept by the current optimizer phase (beginWeightCache); 0 outside one. */
  cachedWeights: number;
}

/** Bytes held by the addon's caching CPU allocator. */
export interface AllocatorStats {
  inUseBytes: number;
  cachedBytes: number;
  /** In use plus cached, the most ever held. */
  peakBytes: number;
  /** The most ever in use by tensors at once. */
  peakInUseBytes: number;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const addonPath = join(root, 'build', 'Release', 'cyclegan_native.node');

let addon: NativeAddon | undefined;

/** The loaded addon; the first call loads it and explains how to fix a failed load. */
export function native(): NativeAddon {
  if (addon) return addon;
  if (!existsSync(addonPath)) {
    throw new EngineError(
      `the native addon is not built (looked for ${addonPath}). ` +
        'Run `npm run setup` (installs libtorch with apt when missing, then builds), or `npm run build:native`.',
    );
  }
  try {
    addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
  } catch (error) {
    throw new EngineError(
      `the native addon at ${addonPath} could not be loaded: ${(error as Error).message}. ` +
        'If libtorch moved or was upgraded, rebuild it with `npm run build:native`; on Debian, `apt-get install libtorch-dev` restores the library.',
    );
  }
  return addon;
}
