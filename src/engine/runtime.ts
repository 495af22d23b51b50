/** Process-wide engine settings: threads, seeds, devices, gradient mode, live tensor count. */
import { EngineError } from '../errors.js';
import { native, type AllocatorStats, type DirectConvState, type WinogradState } from './native.js';
import { run, type Tensor } from './tensor.js';

/** Threads libtorch uses for one op (intra-op parallelism). */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new EngineError(`Expected a positive integer for threads but received ${threads}`);
  native().setNumThreads(threads);
}

export function getNumThreads(): number {
  return native().getNumThreads();
}

/** Seeds libtorch's global generators (CPU and CUDA). */
export function manualSeed(seed: number): void {
  native().manualSeed(seed);
}

/** Tensors created and not yet disposed; flat over a training run when nothing leaks. */
export function liveTensors(): number {
  return native().liveTensors();
}

export function cudaDeviceCount(): number {
  return native().cudaDeviceCount();
}

/** Checks a device name before any work: 'cuda' on a build or machine without it is a clear error. */
export function checkDevice(device: string): string {
  if (device === 'cpu') return device;
  if (device === 'cuda' || /^cuda:\d+$/.test(device)) {
    const count = cudaDeviceCount();
    if (count === 0) {
      throw new EngineError(
        `device '${device}' was requested, but ${native().buildInfo().cuda ? 'no GPU is visible' : 'this libtorch was built without CUDA'}; use device 'cpu', or build against a CUDA libtorch (LIBTORCH=/path/to/libtorch npm run build:native) on a GPU machine`,
      );
    }
    return device;
  }
  throw new EngineError(`Expected cpu, cuda or cuda:N for device but received '${device}'`);
}

/** Waits for queued GPU work, so timings are honest. */
export function synchronize(): void {
  native().synchronize();
}

export function buildInfo(): { torchVersion: string; cuda: boolean; mkldnn: boolean; parallel: string } {
  return native().buildInfo();
}

/**
 * Whether unstrided 3x3 float32 convolutions with 64 or more channels and 32x32 or larger outputs run as
 * oneDNN's Winograd kernels (native/winograd_conv.cc): `built` when the addon links the shared oneDNN 2 that
 * libtorch runs (Debian's), `enabled` unless switched off (CYCLEGAN_WINOGRAD=0 or setWinograd(false)).
 */
export function winograd(): WinogradState {
  return native().winograd();
}

/** Switches Winograd convolutions on or off for this process (tests and benchmarks compare the two). */
export function setWinograd(enabled: boolean): void {
  native().setWinograd(enabled);
}

/**
 * Whether convolutions call oneDNN directly (native/direct_conv.cc): float32 ones that Winograd does not take, and
 * bfloat16 ones (withConvolutionPrecision('bfloat16')) with one-pass casts, float32 output and gradients and weight
 * conversions made once per optimizer phase, rather than libtorch's casts around its own convolution. `built`
 * as for winograd(), `enabled` unless switched off (CYCLEGAN_ONEDNN_DIRECT=0 or setDirectConv(false)).
 */
export function directConv(): DirectConvState {
  return native().directConv();
}

/** Switches direct oneDNN convolutions on or off for this process (tests and benchmarks compare the two). */
export function setDirectConv(enabled: boolean): void {
  native().setDirectConv(enabled);
}

/** False inside noGrad. */
export function isGradEnabled(): boolean {
  return native().isGradEnabled();
}

/** Runs `fn` with gradient recording off (like torch.no_grad). */
export function noGrad<R>(fn: () => R): R {
  const previous = native().setGradEnabled(false);
  try {
    return fn();
  } finally {
    native().setGradEnabled(previous);
  }
}

/** Overwrites `dst` with `src` outside autograd (loading weights). */
export function copyInto(dst: Tensor, src: Tensor): void {
  run('copy_', [dst, src], () => native().copy_(dst.handle, src.handle));
}

/**
 * Moves `x` to `device` in place: the same tensor object (and native tensor) afterwards lives on the
 * device, so modules and optimizers holding it need no update. For parameters, outside autograd.
 */
export function moveInto(x: Tensor, device: string): void {
  if (x.device === device) return;
  const detached = x.detach(); // the copy must be a plain tensor, not a step in x's autograd graph
  const moved = detached.to({ device });
  detached.dispose();
  run('set_data', [x, moved], () => native().setData(x.handle, moved.handle));
  moved.dispose();
}

/** Fills `dst` with normal(mean, std) values outside autograd. */
export function normalInit(dst: Tensor, mean: number, std: number, seed?: number): void {
  run('normal_', [dst], () => native().normal_(dst.handle, mean, std, seed));
}

export function fillInto(dst: Tensor, value: number): void {
  run('fill_', [dst], () => native().fill_(dst.handle, value));
}

/** Drops the gradients of these tensors (set to none). */
export function zeroGrad(tensors: Tensor[]): void {
  run('zero_grad', tensors, () => native().zeroGrad(tensors.map((t) => t.handle)));
}

/** CPU memory held by tensors (in use) and by freed blocks kept for reuse (cached). */
export function allocatorStats(): AllocatorStats {
  return native().allocatorStats();
}

/** Returns cached blocks to the system (after training, before a long idle phase). */
export function emptyCache(): void {
  native().emptyCache();
}
