/**
 * Hand-built frozen graphs for tests, spelled the way other exporters spell them (Keras-style SAME
 * convolutions, Shape/StridedSlice/Pack size arithmetic, arbitrary node names), so the .pb runner is
 * checked on graphs our own exporter would never write.
 */
import { DT_FLOAT, DT_INT32, graphDefType, type TfAttr, type TfNode } from '../../src/io/tf_proto.js';

export const T: TfAttr = { type: DT_FLOAT };
export const I32: TfAttr = { type: DT_INT32 };
export const str = (s: string): TfAttr => ({ s: Buffer.from(s) });
export const ints = (i: number[]): TfAttr => ({ list: { i } });

/** Deterministic values in [-scale, scale) (mulberry32), so failures reproduce. */
export function seeded(seed: number): (n: number, scale?: number) => Float32Array {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (n, scale = 1) => Float32Array.from({ length: n }, () => (next() * 2 - 1) * scale);
}

export class GraphDefBuilder {
  readonly nodes: TfNode[] = [];

  op(op: string, name: string, input: string[], attr: Record<string, TfAttr> = {}): string {
    this.nodes.push({ name, op, input, attr });
    return name;
  }

  placeholder(name: string, dims: number[]): string {
    return this.op('Placeholder', name, [], { dtype: T, shape: { shape: { dim: dims.map((size) => ({ size })) } } });
  }

  floats(name: string, shape: number[], values: Float32Array): string {
    const tensor = { dtype: DT_FLOAT, tensorShape: { dim: shape.map((size) => ({ size })) }, tensorContent: new Uint8Array(values.buffer.slice(0)) };
    return this.op('Const', name, [], { dtype: T, value: { tensor } });
  }

  /** An int32 Const written as int_val, the way TensorFlow writes small constants. */
  int32s(name: string, shape: number[], values: number[]): string {
    return this.op('Const', name, [], { dtype: I32, value: { tensor: { dtype: DT_INT32, tensorShape: { dim: shape.map((size) => ({ size })) }, intVal: values } } });
  }

  encode(): Uint8Array {
    const type = graphDefType();
    return type.encode(type.fromObject({ node: this.nodes, versions: { producer: 1286 } })).finish();
  }
}
