/**
 * What every exported-model runner offers. It matches the Translator interface of src/predict (NCHW
 * float32 batches in [-1, 1] in, translated batches out), so an .onnx or a .pb can stand in for the
 * training generator; it lives here, apart from the engine, so the ONNX runner needs no libtorch.
 */
import { ConfigError } from '../../errors.js';
import type { ModelMetadata } from '../../io/model_metadata.js';

export interface RunResult {
  data: Float32Array;
  /** NCHW; for a CycleGAN generator the input's shape when H and W are multiples of 4. */
  shape: number[];
}

export interface ModelRunner {
  readonly format: 'onnx' | 'pb';
  /** What the file says about itself (direction, channels, trained size), when cyclegan wrote it. */
  readonly metadata?: ModelMetadata;
  /** Runs the model on an NCHW float32 batch. */
  run(data: Float32Array, shape: readonly number[]): Promise<RunResult>;
  /** `run`, returning the values only (the Translator interface). */
  translate(batch: Float32Array, shape: [number, number, number, number]): Promise<Float32Array>;
  /** Frees the session or the weights; the runner cannot be used afterwards. */
  dispose(): void;
}

/** Checks an NCHW batch at the boundary, before any runtime sees it, and returns its shape. */
export function checkBatch(data: Float32Array, shape: readonly number[], source: string): [number, number, number, number] {
  if (!(data instanceof Float32Array)) throw new ConfigError(`Expected a Float32Array batch for ${source} but received ${Object.prototype.toString.call(data)}`);
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ConfigError(`Expected a shape of 4 positive integers [N, C, H, W] for ${source} but received [${shape.join(', ')}]`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new ConfigError(`Expected ${count} values for a [${shape.join(', ')}] batch for ${source} but received ${data.length}`);
  return [shape[0], shape[1], shape[2], shape[3]];
}
