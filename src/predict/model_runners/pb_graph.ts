/**
 * A decoded frozen TensorFlow graph, ready to interpret: nodes by name with their data inputs,
 * typed attribute access that names the node and file when something is missing, Const values
 * decoded to host arrays, and the order in which to evaluate what an output needs.
 */
import { CheckpointError } from '../../errors.js';
import { DT_FLOAT, DT_INT32, DT_INT64, graphDefType, type TfAttr, type TfGraph, type TfNode, type TfShape, type TfTensor } from '../../io/tf_proto.js';

export interface PbNode {
  name: string;
  op: string;
  /** Names of the nodes whose (only) output this node reads; control inputs ("^x") are dropped. */
  inputs: string[];
  attr: Record<string, TfAttr>;
}

export interface PbGraph {
  /** Where the graph came from, for error messages. */
  source: string;
  nodes: Map<string, PbNode>;
}

function fail(source: string, message: string): never {
  throw new CheckpointError(`${source}: ${message}`);
}

export function decodeGraphDef(bytes: Uint8Array, source: string): PbGraph {
  const type = graphDefType();
  let graph: TfGraph;
  try {
    graph = type.toObject(type.decode(bytes), { longs: Number, arrays: true }) as TfGraph;
  } catch (error) {
    return fail(source, `cannot be decoded as a TensorFlow GraphDef (${(error as Error).message}); it is truncated or not a frozen graph. Export it again.`);
  }
  const nodes = new Map<string, PbNode>();
  for (const node of graph.node ?? []) {
    if (!node.name || !node.op) fail(source, 'has a node without a name or op; it is not a frozen TensorFlow graph');
    if (nodes.has(node.name)) fail(source, `has two nodes named '${node.name}'`);
    nodes.set(node.name, { name: node.name, op: node.op, inputs: dataInputs(node, source), attr: node.attr ?? {} });
  }
  if (nodes.size === 0) fail(source, 'is a GraphDef without nodes. Export the model again.');
  return { source, nodes };
}

function dataInputs(node: TfNode, source: string): string[] {
  return (node.input ?? [])
    .filter((name) => !name.startsWith('^'))
    .map((name) => {
      const [base, index] = name.split(':');
      if (index !== undefined && index !== '0') {
        fail(source, `node '${node.name}' reads output ${index} of '${base}'; the .pb runner supports single-output ops only`);
      }
      return base;
    });
}

/** The nodes `outputs` depend on, each after its inputs (depth-first, iterative so deep graphs do not overflow the stack). */
export function executionOrder(graph: PbGraph, outputs: readonly string[]): PbNode[] {
  const order: PbNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  for (const output of outputs) {
    const stack: [PbNode, number][] = [];
    const enter = (name: string, from?: string): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') fail(graph.source, `has a cycle through '${name}'; a frozen graph must be acyclic`);
      const node = graph.nodes.get(name);
      if (!node) fail(graph.source, from ? `node '${from}' reads '${name}', which is not in the graph (truncated file?)` : `has no node named '${name}'`);
      state.set(name, 'visiting');
      stack.push([node, 0]);
    };
    enter(output);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [node, next] = top;
      if (next < node.inputs.length) {
        top[1]++;
        enter(node.inputs[next], node.name);
      } else {
        stack.pop();
        state.set(node.name, 'done');
        order.push(node);
      }
    }
  }
  return order;
}

/** Typed reads of a node's attributes; a missing one without a default is a clear error. */
export class NodeAttrs {
  constructor(
    readonly node: PbNode,
    readonly source: string,
  ) {}

  fail(message: string): never {
    return fail(this.source, `node '${this.node.name}' (${this.node.op}) ${message}`);
  }

  #get(name: string, kind: string, def: unknown): TfAttr | undefined {
    const value = this.node.attr[name];
    if (value === undefined && def === undefined) this.fail(`has no '${name}' attribute (expected ${kind})`);
    return value;
  }

  int(name: string, def?: number): number {
    return this.#get(name, 'an int', def)?.i ?? def ?? 0;
  }
  float(name: string, def?: number): number {
    return this.#get(name, 'a float', def)?.f ?? def ?? 0;
  }
  bool(name: string, def?: boolean): boolean {
    return this.#get(name, 'a bool', def)?.b ?? def ?? false;
  }
  string(name: string, def?: string): string {
    const s = this.#get(name, 'a string', def)?.s;
    return s ? Buffer.from(s).toString('utf8') : (def ?? '');
  }
  ints(name: string, def?: number[]): number[] {
    return this.#get(name, 'a list of ints', def)?.list?.i ?? def ?? [];
  }
  shape(name: string): TfShape | undefined {
    return this.node.attr[name]?.shape;
  }
}

/** Known dimensions of a shape attribute (-1 for unknown), or null when the rank is unknown. */
export function shapeDims(shape: TfShape | undefined): number[] | null {
  if (!shape || shape.unknownRank) return null;
  return (shape.dim ?? []).map((d) => d.size ?? -1);
}

export type HostTensor = { dtype: 'float32'; shape: number[]; values: Float32Array } | { dtype: 'int'; shape: number[]; values: number[] };

/** A Const's value on the host: tensor_content when present, else the value list with its last entry repeated, as TensorFlow fills it. */
export function decodeTensor(t: TfTensor | undefined, where: string, source: string): HostTensor {
  if (!t) return fail(source, `${where} has no value`);
  const shape = shapeDims(t.tensorShape) ?? [];
  const count = shape.reduce((a, b) => a * b, 1);
  const content = t.tensorContent && t.tensorContent.byteLength > 0 ? Buffer.from(t.tensorContent) : null;
  const fill = (list: readonly number[]): number[] => Array.from({ length: count }, (_, i) => list[Math.min(i, list.length - 1)] ?? 0);
  const check = (n: number): void => {
    if (n !== count) fail(source, `${where} holds ${n} values for shape [${shape}]; the file is damaged`);
  };
  switch (t.dtype) {
    case DT_FLOAT: {
      const values = content ? new Float32Array(new Uint8Array(content).buffer, 0, content.byteLength >> 2) : Float32Array.from(fill(t.floatVal ?? []));
      check(values.length);
      return { dtype: 'float32', shape, values };
    }
    case DT_INT32: {
      const values = content ? [...new Int32Array(new Uint8Array(content).buffer, 0, content.byteLength >> 2)] : fill(t.intVal ?? []);
      check(values.length);
      return { dtype: 'int', shape, values };
    }
    case DT_INT64: {
      const values = content ? [...new BigInt64Array(new Uint8Array(content).buffer, 0, content.byteLength >> 3)].map(Number) : fill(t.int64Val ?? []);
      check(values.length);
      return { dtype: 'int', shape, values };
    }
    default:
      return fail(source, `${where} has dtype ${t.dtype}; the .pb runner reads float32, int32 and int64 constants only`);
  }
}
