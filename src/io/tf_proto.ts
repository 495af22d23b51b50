/**
 * The part of TensorFlow's graph protos (tensorflow/core/framework: graph.proto, node_def.proto,
 * attr_value.proto, tensor.proto, tensor_shape.proto, types.proto, versions.proto) that a frozen
 * convolutional graph uses, with the published field numbers, parsed by protobufjs. The export
 * writes it and the .pb runner reads it; fields left out (function libraries, debug info) are
 * skipped when decoding graphs made elsewhere.
 */
import { parse, type Type } from 'protobufjs';

// AttrValue's value is a oneof, as in attr_value.proto: that is what makes protobufjs write
// explicit zeros and falses (begin_mask: 0, keep_dims: false), which TensorFlow requires to be set.
const TF_PROTO = `
syntax = "proto3";
package tensorflow;

enum DataType {
  DT_INVALID = 0; DT_FLOAT = 1; DT_DOUBLE = 2; DT_INT32 = 3; DT_UINT8 = 4; DT_INT16 = 5; DT_INT8 = 6;
  DT_STRING = 7; DT_INT64 = 9; DT_BOOL = 10; DT_HALF = 19;
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message TensorProto {
  DataType dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7 [packed = true];
  repeated bytes string_val = 8;
  repeated int64 int64_val = 10 [packed = true];
  repeated bool bool_val = 11 [packed = true];
}

message AttrValue {
  message ListValue {
    repeated bytes s = 2;
    repeated int64 i = 3 [packed = true];
    repeated float f = 4 [packed = true];
    repeated bool b = 5 [packed = true];
    repeated DataType type = 6 [packed = true];
    repeated TensorShapeProto shape = 7;
    repeated TensorProto tensor = 8;
  }
  oneof value {
    ListValue list = 1;
    bytes s = 2;
    int64 i = 3;
    float f = 4;
    bool b = 5;
    DataType type = 6;
    TensorShapeProto shape = 7;
    TensorProto tensor = 8;
    string placeholder = 9;
  }
}

message NodeDef {
  string name = 1;
  string op = 2;
  repeated string input = 3;
  string device = 4;
  map<string, AttrValue> attr = 5;
}

message VersionDef {
  int32 producer = 1;
  int32 min_consumer = 2;
  repeated int32 bad_consumers = 3;
}

message GraphDef {
  repeated NodeDef node = 1;
  VersionDef versions = 4;
  int32 version = 3 [deprecated = true];
}
`;

let graphDef: Type | undefined;

/** tensorflow.GraphDef, parsed on first use. */
export function graphDefType(): Type {
  graphDef ??= parse(TF_PROTO, { keepCase: false }).root.lookupType('tensorflow.GraphDef');
  return graphDef;
}

/** Top-level GraphDef fields and their wire types (0 varint, 2 length-delimited), for sniffing a file's format. */
export const GRAPH_DEF_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, 2],
  [2, 2],
  [3, 0],
  [4, 2],
  [5, 2],
]);

export const DT_FLOAT = 1;
export const DT_INT32 = 3;
export const DT_INT64 = 9;
export const DT_STRING = 7;

/** The decoded shapes the writer and the runner share (protobufjs camelCase, as toObject gives them). */
export interface TfShape {
  dim?: { size?: number; name?: string }[];
  unknownRank?: boolean;
}

export interface TfTensor {
  dtype?: number;
  tensorShape?: TfShape;
  tensorContent?: Uint8Array;
  floatVal?: number[];
  doubleVal?: number[];
  intVal?: number[];
  int64Val?: number[];
  stringVal?: Uint8Array[];
}

export interface TfAttr {
  list?: { s?: Uint8Array[]; i?: number[]; f?: number[]; b?: boolean[]; type?: number[]; shape?: TfShape[] };
  s?: Uint8Array;
  i?: number;
  f?: number;
  b?: boolean;
  type?: number;
  shape?: TfShape;
  tensor?: TfTensor;
  placeholder?: string;
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  device?: string;
  attr?: Record<string, TfAttr>;
}

export interface TfGraph {
  node?: TfNode[];
  versions?: { producer?: number; minConsumer?: number };
}
