/**
 * Writes a generator as an ONNX model (opset 13, IR version 7): NCHW float32, input "input"
 * [N, C, H, W] and output "output" with symbolic N, H and W, weights as float32 initializers named
 * after the checkpoint entries ("model.1.weight"); a BatchNorm's folded scale and shift are named
 * after the layer. Every op is in the default domain, so any ONNX
 * runtime runs it.
 */
import type { Module } from '../engine/index.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import { MODEL_METADATA_KEY, type ModelMetadata } from '../io/model_metadata.js';
import { ExportError } from '../errors.js';
import { lowerModule, type Layer, type LayerGraph } from './layer_graph.js';
import { ATTR, ONNX_FLOAT, ONNX_INT64, onnxModelType } from '../io/onnx_proto.js';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;

interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}

interface NodeSpec {
  opType: string;
  name: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}

interface TensorSpec {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

const bytesOf = (a: Float32Array | BigInt64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const ints = (name: string, values: number[]): Attribute => ({ name, type: ATTR.INTS, ints: values });

/** Accumulates nodes and initializers; each layer's output tensor is named after the layer. */
class OnnxGraph {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorSpec[] = [];

  floats(name: string, dims: number[], values: Float32Array): string {
    // Copy so raw_data is little-endian float32 that owns its buffer (the host is little-endian, as Node requires).
    this.initializers.push({ name, dims, dataType: ONNX_FLOAT, rawData: bytesOf(Float32Array.from(values)) });
    return name;
  }

  int64s(name: string, values: number[]): string {
    this.initializers.push({ name, dims: [values.length], dataType: ONNX_INT64, rawData: bytesOf(BigInt64Array.from(values, BigInt)) });
    return name;
  }

  node(opType: string, name: string, input: string[], attribute: Attribute[] = []): string {
    this.nodes.push({ opType, name, input, output: [name], attribute });
    return name;
  }
}

function emit(g: OnnxGraph, layer: Layer, x: string): string {
  switch (layer.kind) {
    case 'pad': {
      const p = layer.padding;
      // Opset 13's Pad takes the pads as an input: [x1_begin, x2_begin, ..., x1_end, x2_end, ...] over N, C, H, W.
      const pads = g.int64s(`${layer.name}.pads`, [0, 0, p, p, 0, 0, p, p]);
      return g.node('Pad', layer.name, [x, pads], [{ name: 'mode', type: ATTR.STRING, s: Buffer.from(layer.mode) }]);
    }
    case 'conv':
    case 'convTranspose': {
      const k = layer.shape[2];
      const inputs = [x, g.floats(`${layer.name}.weight`, layer.shape, layer.weight)];
      if (layer.bias) inputs.push(g.floats(`${layer.name}.bias`, [layer.bias.length], layer.bias));
      const p = layer.padding;
      const attrs = [ints('kernel_shape', [k, k]), ints('strides', [layer.stride, layer.stride]), ints('pads', [p, p, p, p])];
      if (layer.kind === 'conv') return g.node('Conv', layer.name, inputs, attrs);
      return g.node('ConvTranspose', layer.name, inputs, [...attrs, ints('output_padding', [layer.outputPadding, layer.outputPadding])]);
    }
    case 'instanceNorm': {
      // InstanceNormalization requires scale and B; affine=false is scale 1, bias 0.
      const scale = layer.scale ?? new Float32Array(layer.channels).fill(1);
      const bias = layer.bias ?? new Float32Array(layer.channels);
      const names = layer.scale ? ['weight', 'bias'] : ['scale', 'shift'];
      const inputs = [x, g.floats(`${layer.name}.${names[0]}`, [layer.channels], scale), g.floats(`${layer.name}.${names[1]}`, [layer.channels], bias)];
      return g.node('InstanceNormalization', layer.name, inputs, [{ name: 'epsilon', type: ATTR.FLOAT, f: layer.eps }]);
    }
    case 'relu':
      return g.node('Relu', layer.name, [x]);
    case 'tanh':
      return g.node('Tanh', layer.name, [x]);
    case 'leakyRelu':
      return g.node('LeakyRelu', layer.name, [x], [{ name: 'alpha', type: ATTR.FLOAT, f: layer.slope }]);
    case 'residual': {
      const y = layer.body.reduce((h, l) => emit(g, l, h), x);
      return g.node('Add', `${layer.name}.add`, [x, y]);
    }
    case 'concatSkip': {
      const y = layer.body.reduce((h, l) => emit(g, l, h), x);
      return g.node('Concat', `${layer.name}.concat`, [x, y], [{ name: 'axis', type: ATTR.INT, i: 1 }]);
    }
    case 'channelAffine': {
      const c = layer.scale.length;
      const scaled = g.node('Mul', `${layer.name}.scaled`, [x, g.floats(`${layer.name}.scale`, [1, c, 1, 1], layer.scale)]);
      return g.node('Add', layer.name, [scaled, g.floats(`${layer.name}.shift`, [1, c, 1, 1], layer.shift)]);
    }
  }
}

function valueInfo(name: string, channels: number, h: string, w: string): object {
  const dims = [{ dimParam: 'N' }, { dimValue: channels }, { dimParam: h }, { dimParam: w }];
  return { name, type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: dims } } } };
}

/** The ONNX ModelProto of a lowered graph, as a plain object ready for protobufjs. */
export function onnxModelObject(graph: LayerGraph, metadata?: ModelMetadata): object {
  const g = new OnnxGraph();
  const last = graph.layers.reduce((x, layer) => emit(g, layer, x), 'input');
  // The final layer's tensor is nobody's input, so renaming it to "output" touches only its producer.
  const producer = g.nodes.find((n) => n.output[0] === last);
  if (!producer) throw new ExportError(`${graph.name} has no layers to export`);
  producer.output = ['output'];
  return {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'cyclegan',
    ...(metadata && { producerVersion: metadata.producer.replace(/^cyclegan /, ''), metadataProps: [{ key: MODEL_METADATA_KEY, value: JSON.stringify(metadata) }] }),
    graph: {
      name: graph.name,
      node: g.nodes,
      initializer: g.initializers,
      // Output H and W equal the input's when H and W are multiples of 4; other sizes round, so they get their own symbols.
      input: [valueInfo('input', graph.inChannels, 'H', 'W')],
      output: [valueInfo('output', graph.outChannels, 'H_out', 'W_out')],
    },
  };
}

/** The ONNX model bytes of `generator` (any tree of the layers layer_graph.ts lowers). */
export function encodeOnnx(generator: Module, metadata?: ModelMetadata): Uint8Array {
  const type = onnxModelType();
  return type.encode(type.fromObject(onnxModelObject(lowerModule(generator), metadata))).finish();
}

/** Writes `generator` to `path` as ONNX, atomically. */
export function exportOnnx(generator: Module, path: string, metadata?: ModelMetadata): void {
  writeFileAtomic(path, encodeOnnx(generator, metadata));
}
