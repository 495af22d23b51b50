/**
 * Model export: a trained generator as ONNX (.onnx, NCHW) or as a frozen TensorFlow graph (.pb, NHWC),
 * both run by src/predict/model_runners without the training code.
 */
import type { Module } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import { exportOnnx } from './onnx.js';
import { exportFrozenGraph } from './tf_graphdef.js';
import type { ModelMetadata } from '../io/model_metadata.js';

export { ExportError } from '../errors.js';
export { lowerModule, type Layer, type LayerGraph } from './layer_graph.js';
export { encodeOnnx, exportOnnx, ONNX_IR_VERSION, ONNX_OPSET } from './onnx.js';
export { encodeFrozenGraph, exportFrozenGraph } from './tf_graphdef.js';
export { modelMetadata, parseModelMetadata, type ModelMetadata } from '../io/model_metadata.js';

export const EXPORT_FORMATS = ['onnx', 'pb'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Writes `generator` to `path` in `format`, atomically: a crash never leaves a half-written model. `metadata`: what predict reads back (model_metadata.ts). */
export function exportGenerator(generator: Module, format: ExportFormat, path: string, metadata?: ModelMetadata): void {
  switch (format) {
    case 'onnx':
      return exportOnnx(generator, path, metadata);
    case 'pb':
      return exportFrozenGraph(generator, path, metadata);
    default:
      throw new ConfigError(`Expected 'onnx' or 'pb' for export format but received ${JSON.stringify(format)} of type ${typeof format}`);
  }
}
