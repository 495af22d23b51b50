/** The engine: typed tensors, autograd, nn layers and optimizers over libtorch. */
export { Tensor, type DType, type MemoryFormat } from './tensor.js';
export { tensor, full, zeros, ones, scalar, randn, rand, type CreateOptions, type RandomOptions } from './create.js';
export * from './functional.js';
export { tidy, tidyAsync, keep, dispose } from './scope.js';
export * from './runtime.js';
export { Module, type Structure, type NamedModules } from './nn/module.js';
export * from './nn/layers.js';
export { fusedForward, fusedSequence, type FusedForward } from './nn/fused_forward.js';
export { runInOrder, type Step } from './nn/run_in_order.js';
export { BatchNorm2d } from './nn/batch_norm.js';
export { Dropout, Identity } from './nn/dropout.js';
export { Adam, type AdamOptions, type AdamState } from './optim/adam.js';
export { withConvolutionPrecision, convolutionPrecision, type ConvolutionPrecision } from './precision.js';
export { withWeightCasts } from './weight_cast_cache.js';
export { ProcessGroup, distBackends, DEFAULT_DIST_TIMEOUT_MS, type DistBackend, type ProcessGroupOptions } from './distributed.js';
export { maxPool2d, avgPool2d, type Pool2dOptions, type AvgPool2dOptions } from './pool.js';
export { matmul, eigh, indexSelect } from './linalg.js';
