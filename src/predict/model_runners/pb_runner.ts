/**
 * Runs a frozen TensorFlow graph (.pb) on our engine, without TensorFlow: the GraphDef is decoded
 * with protobufjs and the nodes the output needs are evaluated in dependency order with the ops in
 * pb_ops.ts. It relies on the op set, not on node names, so frozen graphs made elsewhere with the
 * same ops run too. Images go in and come out as NCHW float32 like every runner; the graph sees
 * them in its own layout (NHWC by default).
 */
import { checkDevice, keep, noGrad, tensor, Tensor, tidy } from '../../engine/index.js';
import { CheckpointError } from '../../errors.js';
import { PB_METADATA_NODE, parseModelMetadata, type ModelMetadata } from '../../io/model_metadata.js';
import { checkBatch, type ModelRunner, type RunResult } from './model_runner.js';
import { detectFormatOfBytes, readModelFile } from '../../io/model_format.js';
import { decodeGraphDef, decodeTensor, executionOrder, NodeAttrs, shapeDims, type PbGraph, type PbNode } from './pb_graph.js';
import { hostInts } from './pb_host_ops.js';
import { KERNELS, SUPPORTED_OPS, type Value } from './pb_ops.js';

export interface PbRunnerOptions {
  /** The Placeholder images are fed to; default the graph's only Placeholder. */
  input?: string;
  /** The node whose value is the result; default the node named "output", else the graph's only sink. */
  output?: string;
  /** The layout of the graph's input and output; default 'NHWC', TensorFlow's. */
  layout?: 'NHWC' | 'NCHW';
  /** Where to compute: 'cpu' (default), 'cuda' or 'cuda:N'. */
  device?: string;
}

function pickInput(graph: PbGraph, requested: string | undefined): PbNode {
  const placeholders = [...graph.nodes.values()].filter((n) => n.op === 'Placeholder');
  if (requested !== undefined) {
    const node = graph.nodes.get(requested);
    if (node?.op !== 'Placeholder') throw new CheckpointError(`${graph.source} has no Placeholder named '${requested}'; its placeholders are: ${placeholders.map((n) => n.name).join(', ') || 'none'}`);
    return node;
  }
  if (placeholders.length !== 1) {
    throw new CheckpointError(
      `${graph.source} has ${placeholders.length} placeholders (${placeholders.map((n) => n.name).join(', ')}); expected one image input. Name it with the input option.`,
    );
  }
  return placeholders[0];
}

function pickOutput(graph: PbGraph, requested: string | undefined): string {
  if (requested !== undefined) return requested;
  if (graph.nodes.has('output')) return 'output';
  const consumed = new Set([...graph.nodes.values()].flatMap((n) => n.inputs));
  const sinks = [...graph.nodes.values()].filter((n) => !consumed.has(n.name) && n.op !== 'Const' && n.op !== 'Placeholder');
  if (sinks.length !== 1) {
    throw new CheckpointError(`${graph.source} has ${sinks.length} candidate outputs (${sinks.slice(0, 5).map((n) => n.name).join(', ')}); name one with the output option.`);
  }
  return sinks[0].name;
}

export class PbTranslator implements ModelRunner {
  readonly format = 'pb';
  readonly #graph: PbGraph;
  readonly #order: PbNode[];
  readonly #input: PbNode;
  readonly #consts = new Map<string, Value>();
  readonly #layout: 'NHWC' | 'NCHW';
  readonly #device: string;
  /** Channels the Placeholder declares, or -1 when its shape leaves them open. */
  readonly #channels: number;
  readonly metadata?: ModelMetadata;

  private constructor(graph: PbGraph, options: PbRunnerOptions) {
    this.#graph = graph;
    this.#layout = options.layout ?? 'NHWC';
    this.#device = checkDevice(options.device ?? 'cpu');
    this.#input = pickInput(graph, options.input);
    const output = pickOutput(graph, options.output);
    this.#order = executionOrder(graph, [output]);
    const dims = shapeDims(new NodeAttrs(this.#input, graph.source).shape('shape'));
    this.#channels = dims?.length === 4 ? dims[this.#layout === 'NHWC' ? 3 : 1] : -1;
    const stored = graph.nodes.get(PB_METADATA_NODE)?.attr.value?.tensor?.stringVal?.[0];
    this.metadata = parseModelMetadata(stored && Buffer.from(stored).toString('utf8'), graph.source);
    for (const node of this.#order) {
      if (!SUPPORTED_OPS.includes(node.op)) {
        throw new CheckpointError(
          `${graph.source}: node '${node.name}' uses op ${node.op}, which the .pb runner does not implement. Supported ops: ${SUPPORTED_OPS.join(', ')}. Run this graph with TensorFlow, or export the model with cyclegan's exporter.`,
        );
      }
      if (node.op === 'Placeholder' && node !== this.#input) throw new CheckpointError(`${graph.source}: the output needs placeholder '${node.name}' as well as '${this.#input.name}'; the runner feeds one image input`);
    }
    // Constants are uploaded only once the whole graph is known to be runnable, and freed if one is unreadable.
    try {
      for (const node of this.#order) if (node.op === 'Const') this.#consts.set(node.name, this.#constant(node));
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Loads the frozen graph at `path`. */
  static load(path: string, options: PbRunnerOptions = {}): PbTranslator {
    return PbTranslator.fromBytes(readModelFile(path), path, options);
  }

  /** Loads a frozen graph from memory; `source` names it in error messages. */
  static fromBytes(bytes: Uint8Array, source: string, options: PbRunnerOptions = {}): PbTranslator {
    const format = detectFormatOfBytes(bytes, source);
    if (format !== 'pb') throw new CheckpointError(`${source} is ${format === 'onnx' ? 'an ONNX model' : 'a checkpoint'}, not a frozen TensorFlow graph; load it with the ${format} runner.`);
    return new PbTranslator(decodeGraphDef(bytes, source), options);
  }

  #constant(node: PbNode): Value {
    const value = decodeTensor(node.attr.value?.tensor, `Const '${node.name}'`, this.#graph.source);
    if (value.dtype === 'int') return hostInts(value.values, value.shape);
    // Kept: constants live until dispose(), past any tidy scope the caller loads us in.
    return keep(tensor(value.values, value.shape, { device: this.#device }));
  }

  /** Evaluates the graph on one input, freeing each intermediate once its last reader has run. */
  #evaluate(input: Tensor): Value {
    const readers = new Map<string, number>();
    for (const node of this.#order) for (const name of node.inputs) readers.set(name, (readers.get(name) ?? 0) + 1);
    const values = new Map<string, Value>();
    const pinned = new Set<Value>([input, ...this.#consts.values()]);
    // Identity passes tensors through, so one tensor can be the value of several nodes: free it when none holds it.
    const holders = new Map<Value, number>();
    const hold = (name: string, v: Value): void => {
      values.set(name, v);
      holders.set(v, (holders.get(v) ?? 0) + 1);
    };
    const release = (name: string): void => {
      const v = values.get(name)!;
      values.delete(name);
      const left = holders.get(v)! - 1;
      holders.set(v, left);
      if (left === 0 && v instanceof Tensor && !pinned.has(v)) v.dispose();
    };
    let last: Value = input;
    for (const node of this.#order) {
      if (node.op === 'Placeholder') last = input;
      else if (node.op === 'Const') last = this.#consts.get(node.name)!;
      else {
        const inputs = node.inputs.map((name) => values.get(name)!);
        const attrs = new NodeAttrs(node, this.#graph.source);
        last = tidy(() => KERNELS[node.op](inputs, attrs));
      }
      // Held before its inputs are released, so an Identity's result survives its input's release.
      hold(node.name, last);
      for (const name of node.inputs) {
        const left = readers.get(name)! - 1;
        readers.set(name, left);
        if (left === 0) release(name);
      }
    }
    return last;
  }

  async run(data: Float32Array, shape: readonly number[]): Promise<RunResult> {
    const [n, c, h, w] = checkBatch(data, shape, this.#graph.source);
    if (this.#channels >= 0 && this.#channels !== c) {
      throw new CheckpointError(`${this.#graph.source} expects ${this.#channels}-channel images but the batch has ${c} channels. Use image_channel ${this.#channels} or a model trained for ${c}.`);
    }
    return tidy(() =>
      noGrad(() => {
        const x = tensor(data, [n, c, h, w], { device: this.#device });
        const out = this.#evaluate(this.#layout === 'NHWC' ? x.permute([0, 2, 3, 1]) : x);
        if (!(out instanceof Tensor) || out.rank !== 4) {
          throw new CheckpointError(`${this.#graph.source}: the output is not a 4-D float tensor (shape [${out.shape}]); pick the image output with the output option`);
        }
        const nchw = (this.#layout === 'NHWC' ? out.permute([0, 3, 1, 2]) : out).contiguous();
        return { data: nchw.toFloat32(), shape: nchw.shape };
      }),
    );
  }

  async translate(batch: Float32Array, shape: [number, number, number, number]): Promise<Float32Array> {
    return (await this.run(batch, shape)).data;
  }

  dispose(): void {
    for (const v of this.#consts.values()) if (v instanceof Tensor) v.dispose();
    this.#consts.clear();
  }
}
