/**
 * Runners for exported models: `loadModelRunner` picks one from the file's content. The runners are
 * imported on demand, so running an .onnx never loads the engine (and libtorch) at all.
 */
import { CheckpointError } from '../../errors.js';
import { detectFormatOfBytes, readModelFile } from '../../io/model_format.js';
import type { ModelRunner } from './model_runner.js';
import type { OnnxRunnerOptions } from './onnx_runner.js';
import type { PbRunnerOptions } from './pb_runner.js';

export { checkBatch, type ModelRunner, type RunResult } from './model_runner.js';
export { detectFormatOfBytes, detectModelFormat, readModelFile, type ModelFormat } from '../../io/model_format.js';
export type { OnnxRunnerOptions } from './onnx_runner.js';
export type { PbRunnerOptions } from './pb_runner.js';

/** An ONNX or frozen-graph runner for the model at `path`; a checkpoint is an error (load it as a generator instead). */
export async function loadModelRunner(path: string, options: OnnxRunnerOptions & PbRunnerOptions = {}): Promise<ModelRunner> {
  return modelRunnerOfBytes(readModelFile(path), path, options);
}

/** loadModelRunner for a file already read (`path` names it in errors), so a caller that sniffed its format reads it once. */
export async function modelRunnerOfBytes(bytes: Uint8Array, path: string, options: OnnxRunnerOptions & PbRunnerOptions = {}): Promise<ModelRunner> {
  const format = detectFormatOfBytes(bytes, path);
  if (format === 'onnx') return (await import('./onnx_runner.js')).OnnxTranslator.fromBytes(bytes, path, options);
  if (format === 'pb') return (await import('./pb_runner.js')).PbTranslator.fromBytes(bytes, path, options);
  throw new CheckpointError(`${path} is a cyclegan checkpoint, not an exported model; load it as a generator (loadGenerator), or export it first (format onnx or pb).`);
}
