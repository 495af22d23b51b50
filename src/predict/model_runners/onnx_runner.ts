/**
 * Runs an ONNX model with onnxruntime-node: no libtorch involved (this file must not import
 * src/engine), so a machine that only predicts needs nothing but the .onnx. The model's first input
 * takes the NCHW batch and its first output is the result, so models exported elsewhere run too.
 */
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { CheckpointError } from '../../errors.js';
import { onnxModelType } from '../../io/onnx_proto.js';
import { MODEL_METADATA_KEY, parseModelMetadata, type ModelMetadata } from '../../io/model_metadata.js';
import { checkBatch, type ModelRunner, type RunResult } from './model_runner.js';
import { detectFormatOfBytes, readModelFile } from '../../io/model_format.js';

export interface OnnxRunnerOptions {
  /** Threads for one op; default onnxruntime's choice (the machine's cores). */
  threads?: number;
}

interface DecodedModel {
  metadataProps?: { key?: string; value?: string }[];
  graph?: {
    input?: { name?: string; type?: { tensorType?: { shape?: { dim?: { dimValue?: number }[] } } } }[];
    initializer?: { name?: string }[];
  };
}

/** Channels the first real input declares (IR < 4 lists initializers among inputs too), or -1 when open; and cyclegan's metadata. */
function declaredChannels(bytes: Uint8Array, source: string): { channels: number; metadata?: ModelMetadata } {
  let model: DecodedModel;
  try {
    const type = onnxModelType();
    model = type.toObject(type.decode(bytes), { longs: Number }) as DecodedModel;
  } catch (error) {
    throw new CheckpointError(`${source} cannot be decoded as an ONNX model (${(error as Error).message}); it is truncated or damaged. Export it again.`);
  }
  const initializers = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  const input = (model.graph?.input ?? []).find((i) => !initializers.has(i.name));
  const dims = input?.type?.tensorType?.shape?.dim ?? [];
  const metadata = parseModelMetadata(model.metadataProps?.find((p) => p.key === MODEL_METADATA_KEY)?.value, source);
  return { channels: dims.length === 4 && dims[1].dimValue !== undefined ? dims[1].dimValue : -1, metadata };
}

export class OnnxTranslator implements ModelRunner {
  readonly format = 'onnx';

  private constructor(
    readonly source: string,
    readonly session: InferenceSession,
    readonly channels: number,
    readonly metadata?: ModelMetadata,
  ) {}

  /** Loads and checks the .onnx at `path`. */
  static async load(path: string, options: OnnxRunnerOptions = {}): Promise<OnnxTranslator> {
    return OnnxTranslator.fromBytes(readModelFile(path), path, options);
  }

  /** Loads an ONNX model from memory; `source` names it in error messages. */
  static async fromBytes(bytes: Uint8Array, source: string, options: OnnxRunnerOptions = {}): Promise<OnnxTranslator> {
    const format = detectFormatOfBytes(bytes, source);
    if (format !== 'onnx') throw new CheckpointError(`${source} is a ${format === 'pb' ? 'frozen TensorFlow graph' : 'checkpoint'}, not an ONNX model; load it with the ${format} runner.`);
    const { channels, metadata } = declaredChannels(bytes, source);
    try {
      const session = await InferenceSession.create(bytes, options.threads ? { intraOpNumThreads: options.threads } : {});
      return new OnnxTranslator(source, session, channels, metadata);
    } catch (error) {
      throw new CheckpointError(`onnxruntime cannot load ${source}: ${(error as Error).message}. Export the model again, or check that it uses standard ONNX ops.`);
    }
  }

  async run(data: Float32Array, shape: readonly number[]): Promise<RunResult> {
    const dims = checkBatch(data, shape, this.source);
    if (this.channels >= 0 && this.channels !== dims[1]) {
      throw new CheckpointError(`${this.source} expects ${this.channels}-channel images but the batch has ${dims[1]} channels. Use image_channel ${this.channels} or a model trained for ${dims[1]}.`);
    }
    const [inputName] = this.session.inputNames;
    const [outputName] = this.session.outputNames;
    let out: OrtTensor;
    try {
      const results = await this.session.run({ [inputName]: new OrtTensor('float32', data, dims) });
      out = results[outputName];
    } catch (error) {
      throw new CheckpointError(`onnxruntime failed to run ${this.source} on a [${dims.join(', ')}] batch: ${(error as Error).message}`);
    }
    if (out.type !== 'float32') throw new CheckpointError(`${this.source}: output '${outputName}' is ${out.type}; expected float32 images`);
    const values = out.data as Float32Array;
    return { data: values, shape: [...out.dims] };
  }

  async translate(batch: Float32Array, shape: [number, number, number, number]): Promise<Float32Array> {
    return (await this.run(batch, shape)).data;
  }

  dispose(): void {
    // release() only frees native memory; nothing waits on it.
    void this.session.release();
  }
}
