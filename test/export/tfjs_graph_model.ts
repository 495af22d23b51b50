/**
 * Runs a frozen GraphDef with TensorFlow.js's graph-model executor (tfjs-converter on the CPU
 * backend): an executor that is not ours, so it checks that the .pb means what our interpreter thinks
 * it means. tfjs-converter's Python tool turns a GraphDef into model.json (the GraphDef in protobuf's
 * JSON form, Const values moved into a weights file); this does the same in memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { graphDefType } from '../../src/io/tf_proto.js';

interface JsonTensor {
  dtype?: string;
  tensorShape?: { dim?: { size?: number }[] };
  tensorContent?: string;
  floatVal?: number[];
  intVal?: number[];
  stringVal?: string[];
}

interface JsonNode {
  name: string;
  op: string;
  attr?: Record<string, { tensor?: JsonTensor }>;
}

/** The bytes of one Const, from tensor_content or from a (possibly splatted) value list. */
function constBytes(t: JsonTensor, count: number): { dtype: 'float32' | 'int32' | 'string'; bytes: Uint8Array } {
  if (t.dtype === 'DT_STRING') {
    // tfjs's weight format for strings, as tfjs-converter writes it: each value's byte length (uint32 LE), then its bytes.
    const values = (t.stringVal ?? []).map((v) => Buffer.from(v, 'base64'));
    return { dtype: 'string', bytes: Buffer.concat(values.flatMap((v) => [Buffer.from(Uint32Array.of(v.length).buffer), v])) };
  }
  const float = t.dtype === 'DT_FLOAT';
  if (!float && t.dtype !== 'DT_INT32') throw new Error(`unsupported Const dtype ${t.dtype}`);
  if (t.tensorContent) return { dtype: float ? 'float32' : 'int32', bytes: Buffer.from(t.tensorContent, 'base64') };
  const list = (float ? t.floatVal : t.intVal) ?? [];
  const values = Array.from({ length: count }, (_, i) => list[Math.min(i, list.length - 1)] ?? 0);
  const typed = float ? Float32Array.from(values) : Int32Array.from(values);
  return { dtype: float ? 'float32' : 'int32', bytes: new Uint8Array(typed.buffer) };
}

export async function loadWithTfjs(graphDefBytes: Uint8Array): Promise<GraphModel> {
  const type = graphDefType();
  const graph = type.toObject(type.decode(graphDefBytes), { enums: String, longs: Number, bytes: String }) as { node: JsonNode[] };
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const node of graph.node) {
    if (node.op !== 'Const') continue;
    const tensor = node.attr?.value?.tensor ?? {};
    const shape = (tensor.tensorShape?.dim ?? []).map((d) => d.size ?? 0);
    const { dtype, bytes } = constBytes(tensor, shape.reduce((a, b) => a * b, 1));
    weightSpecs.push({ name: node.name, shape, dtype });
    chunks.push(bytes);
    delete node.attr!.value;
  }
  const weightData = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  chunks.reduce((offset, c) => (weightData.set(c, offset), offset + c.byteLength), 0);
  // IS_TEST silences the banner suggesting tfjs-node; nothing else here depends on it.
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  return loadGraphModel(tf.io.fromMemory({ modelTopology: graph, weightSpecs, weightData: weightData.buffer, format: 'graph-model' }));
}

/** Runs the model on an NHWC batch and returns the NHWC output values. */
export function runWithTfjs(model: GraphModel, nhwc: Float32Array, shape: [number, number, number, number], names = { input: 'input', output: 'output' }): { data: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const out = model.execute({ [names.input]: tf.tensor4d(nhwc, shape) }, names.output) as tf.Tensor;
    return { data: out.dataSync() as Float32Array, shape: out.shape };
  });
}
