/** The engine: typed tensors, autograd, nn layers and optimizers over libtorch. */
export { Tensor, type DType, type MemoryFormat } from './tensor.js';
export { tensor, full, zeros, ones, scalar, randn, rand, type CreateOptions, type RandomOptions } from './create.js';
export * from './functional.js';
export { tidy, keep, dispose } from './scope.js';
export * from './runtime.js';
export { Module } from './nn/module.js';
export * from './nn/layers.js';
export { Adam, type AdamOptions, type AdamState } from './optim/adam.js';
export { withConvolutionPrecision, convolutionPrecision, type ConvolutionPrecision } from './precision.js';
export { withWeightCasts } from './weight_cast_cache.js';
export { maxPool2d, avgPool2d, type Pool2dOptions, type AvgPool2dOptions } from './pool.js';
export { matmul, eigh, indexSelect } from './linalg.js';
