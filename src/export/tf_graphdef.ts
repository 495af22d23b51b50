/**
 * Writes a generator as a frozen TensorFlow graph (a binary GraphDef, the .pb that tf.compat.v1
 * import_graph_def, tfjs-converter and TF Serving tooling read): NHWC float32, Placeholder "input"
 * [-1, -1, -1, C], Identity "output", weights as Const nodes, standard ops only. PyTorch's layers map
 * exactly: symmetric zero padding becomes an explicit Pad before a VALID conv (TF's SAME pads
 * asymmetrically), and a transposed conv becomes a VALID Conv2DBackpropInput whose size is computed
 * from the input's runtime shape, cropped like PyTorch's padding / output_padding.
 */
import type { Module } from '../engine/index.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import { lowerModule, type ConvLayer, type ConvTransposeLayer, type InstanceNormLayer, type Layer, type LayerGraph } from './layer_graph.js';
import { PB_METADATA_NODE, type ModelMetadata } from '../io/model_metadata.js';
import { DT_FLOAT, DT_INT32, DT_STRING, graphDefType, type TfAttr, type TfGraph, type TfNode } from '../io/tf_proto.js';

/** The GraphDef version the graph claims to be written for; min_consumer 0 lets any TensorFlow load it. */
export const GRAPH_DEF_PRODUCER = 1286;

const T: TfAttr = { type: DT_FLOAT };
const str = (s: string): TfAttr => ({ s: Buffer.from(s) });
const ints = (i: number[]): TfAttr => ({ list: { i } });
const NHWC = str('NHWC');

/** [o, i, kh, kw] (or any 4-D layout) permuted by `order`, for PyTorch → TensorFlow filter layouts. */
function permute4(data: Float32Array, shape: readonly number[], order: readonly number[]): { data: Float32Array; shape: number[] } {
  const out = new Float32Array(data.length);
  const outShape = order.map((d) => shape[d]);
  const stride = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const s = order.map((d) => stride[d]);
  let n = 0;
  for (let a = 0; a < outShape[0]; a++)
    for (let b = 0; b < outShape[1]; b++)
      for (let c = 0; c < outShape[2]; c++) for (let d = 0; d < outShape[3]; d++) out[n++] = data[a * s[0] + b * s[1] + c * s[2] + d * s[3]];
  return { data: out, shape: outShape };
}

class TfGraphBuilder {
  readonly nodes: TfNode[] = [];

  op(op: string, name: string, input: string[], attr: Record<string, TfAttr> = {}): string {
    this.nodes.push({ name, op, input, attr });
    return name;
  }

  floats(name: string, shape: number[], values: Float32Array): string {
    const content = new Uint8Array(Float32Array.from(values).buffer);
    return this.op('Const', name, [], { dtype: T, value: { tensor: { dtype: DT_FLOAT, tensorShape: { dim: shape.map((size) => ({ size })) }, tensorContent: content } } });
  }

  int32s(name: string, shape: number[], values: number[]): string {
    const content = new Uint8Array(Int32Array.from(values).buffer);
    return this.op('Const', name, [], { dtype: { type: DT_INT32 }, value: { tensor: { dtype: DT_INT32, tensorShape: { dim: shape.map((size) => ({ size })) }, tensorContent: content } } });
  }
}

function convAttrs(stride: number): Record<string, TfAttr> {
  return { T, strides: ints([1, stride, stride, 1]), padding: str('VALID'), data_format: NHWC, dilations: ints([1, 1, 1, 1]), use_cudnn_on_gpu: { b: true }, explicit_paddings: ints([]) };
}

function zeroPad(g: TfGraphBuilder, name: string, x: string, p: number): string {
  const paddings = g.int32s(`${name}/paddings`, [4, 2], [0, 0, p, p, p, p, 0, 0]);
  return g.op('Pad', name, [x, paddings], { T, Tpaddings: { type: DT_INT32 } });
}

function biasAdd(g: TfGraphBuilder, name: string, x: string, bias: Float32Array | null): string {
  if (!bias) return g.op('Identity', name, [x], { T });
  return g.op('BiasAdd', name, [x, g.floats(`${name}/bias`, [bias.length], bias)], { T, data_format: NHWC });
}

function conv(g: TfGraphBuilder, l: ConvLayer, x: string): string {
  const input = l.padding > 0 ? zeroPad(g, `${l.name}/pad`, x, l.padding) : x;
  const filter = permute4(l.weight, l.shape, [2, 3, 1, 0]); // [o, i, kh, kw] -> HWIO
  const y = g.op('Conv2D', `${l.name}/Conv2D`, [input, g.floats(`${l.name}/weight`, filter.shape, filter.data)], convAttrs(l.stride));
  return biasAdd(g, l.name, y, l.bias);
}

/**
 * PyTorch's transposed conv is the full transposed conv, (H-1)*s + k rows, plus output_padding zero
 * rows at the end, minus `padding` rows at each side. Conv2DBackpropInput with VALID padding and
 * input_sizes = H*s + (k - s + output_padding) produces exactly the full rows plus the extra ones
 * (valid while output_padding < stride, PyTorch's own rule), and a StridedSlice drops `padding` rows
 * at each side. input_sizes is Shape(x) * [1, s, s, 0] + [0, k-s+op, k-s+op, C_out], so any H, W works.
 */
function convTranspose(g: TfGraphBuilder, l: ConvTransposeLayer, x: string): string {
  const [, outChannels, k] = l.shape;
  const { stride: s, padding: p, outputPadding: op } = l;
  const shape = g.op('Shape', `${l.name}/input_shape`, [x], { T, out_type: { type: DT_INT32 } });
  const scale = g.int32s(`${l.name}/size_scale`, [4], [1, s, s, 0]);
  const offset = g.int32s(`${l.name}/size_offset`, [4], [0, k - s + op, k - s + op, outChannels]);
  const scaled = g.op('Mul', `${l.name}/size_scaled`, [shape, scale], { T: { type: DT_INT32 } });
  const sizes = g.op('Add', `${l.name}/input_sizes`, [scaled, offset], { T: { type: DT_INT32 } });
  const filter = permute4(l.weight, l.shape, [2, 3, 1, 0]); // [in, out, kh, kw] -> [kh, kw, out, in]
  let y = g.op('Conv2DBackpropInput', `${l.name}/conv_transpose`, [sizes, g.floats(`${l.name}/weight`, filter.shape, filter.data), x], convAttrs(s));
  if (p > 0) {
    const begin = g.int32s(`${l.name}/crop_begin`, [4], [0, p, p, 0]);
    const end = g.int32s(`${l.name}/crop_end`, [4], [0, -p, -p, 0]);
    const strides = g.int32s(`${l.name}/crop_strides`, [4], [1, 1, 1, 1]);
    // Masks 0b1001: N and C are taken whole; H and W run from p to -p.
    const masks = { begin_mask: { i: 9 }, end_mask: { i: 9 }, ellipsis_mask: { i: 0 }, new_axis_mask: { i: 0 }, shrink_axis_mask: { i: 0 } };
    y = g.op('StridedSlice', `${l.name}/crop`, [y, begin, end, strides], { T, Index: { type: DT_INT32 }, ...masks });
  }
  return biasAdd(g, l.name, y, l.bias);
}

/** (x - mean) * rsqrt(var + eps) over H and W of each sample and channel, as InstanceNorm2d. */
function instanceNorm(g: TfGraphBuilder, l: InstanceNormLayer, x: string): string {
  const axes = g.int32s(`${l.name}/axes`, [2], [1, 2]);
  const meanAttrs = { T, Tidx: { type: DT_INT32 }, keep_dims: { b: true } };
  const mean = g.op('Mean', `${l.name}/mean`, [x, axes], meanAttrs);
  const squares = g.op('SquaredDifference', `${l.name}/squared_difference`, [x, mean], { T });
  const variance = g.op('Mean', `${l.name}/variance`, [squares, axes], meanAttrs);
  const shifted = g.op('Add', `${l.name}/variance_eps`, [variance, g.floats(`${l.name}/epsilon`, [], Float32Array.of(l.eps))], { T });
  const rsqrt = g.op('Rsqrt', `${l.name}/rsqrt`, [shifted], { T });
  const centered = g.op('Sub', `${l.name}/centered`, [x, mean], { T });
  if (!l.scale || !l.bias) return g.op('Mul', l.name, [centered, rsqrt], { T });
  const normalized = g.op('Mul', `${l.name}/normalized`, [centered, rsqrt], { T });
  const scaled = g.op('Mul', `${l.name}/scaled`, [normalized, g.floats(`${l.name}/weight`, [l.channels], l.scale)], { T });
  return biasAdd(g, l.name, scaled, l.bias);
}

function emit(g: TfGraphBuilder, l: Layer, x: string): string {
  switch (l.kind) {
    case 'pad': {
      if (l.mode === 'constant') return zeroPad(g, l.name, x, l.padding);
      const p = l.padding;
      const paddings = g.int32s(`${l.name}/paddings`, [4, 2], [0, 0, p, p, p, p, 0, 0]);
      return g.op('MirrorPad', l.name, [x, paddings], { T, Tpaddings: { type: DT_INT32 }, mode: str('REFLECT') });
    }
    case 'conv':
      return conv(g, l, x);
    case 'convTranspose':
      return convTranspose(g, l, x);
    case 'instanceNorm':
      return instanceNorm(g, l, x);
    case 'relu':
      return g.op('Relu', l.name, [x], { T });
    case 'tanh':
      return g.op('Tanh', l.name, [x], { T });
    case 'leakyRelu':
      return g.op('LeakyRelu', l.name, [x], { T, alpha: { f: l.slope } });
    case 'residual': {
      const y = l.body.reduce((h, layer) => emit(g, layer, h), x);
      return g.op('Add', `${l.name}/add`, [x, y], { T });
    }
    case 'concatSkip': {
      const y = l.body.reduce((h, layer) => emit(g, layer, h), x);
      const axis = g.int32s(`${l.name}/concat_axis`, [], [3]); // channels, in NHWC
      return g.op('ConcatV2', `${l.name}/concat`, [x, y, axis], { T, N: { i: 2 }, Tidx: { type: DT_INT32 } });
    }
    case 'channelAffine': {
      const scaled = g.op('Mul', `${l.name}/scaled`, [x, g.floats(`${l.name}/scale`, [l.scale.length], l.scale)], { T });
      return biasAdd(g, l.name, scaled, l.shift);
    }
  }
}

/** The GraphDef of a lowered graph, as a plain object ready for protobufjs. */
export function graphDefObject(graph: LayerGraph, metadata?: ModelMetadata): TfGraph {
  const g = new TfGraphBuilder();
  const input = g.op('Placeholder', 'input', [], { dtype: T, shape: { shape: { dim: [-1, -1, -1, graph.inChannels].map((size) => ({ size })) } } });
  const last = graph.layers.reduce((x, layer) => emit(g, layer, x), input);
  g.op('Identity', 'output', [last], { T });
  if (metadata) g.op('Const', PB_METADATA_NODE, [], { dtype: { type: DT_STRING }, value: { tensor: { dtype: DT_STRING, tensorShape: {}, stringVal: [Buffer.from(JSON.stringify(metadata))] } } });
  return { node: g.nodes, versions: { producer: GRAPH_DEF_PRODUCER, minConsumer: 0 } };
}

/** The frozen-graph bytes of `generator` (any tree of the layers layer_graph.ts lowers). */
export function encodeFrozenGraph(generator: Module, metadata?: ModelMetadata): Uint8Array {
  const type = graphDefType();
  return type.encode(type.fromObject(graphDefObject(lowerModule(generator), metadata))).finish();
}

/** Writes `generator` to `path` as a frozen TensorFlow GraphDef, atomically. */
export function exportFrozenGraph(generator: Module, path: string, metadata?: ModelMetadata): void {
  writeFileAtomic(path, encodeFrozenGraph(generator, metadata));
}
