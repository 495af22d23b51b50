/**
 * Reads the Keras InceptionV3 that the npm package nsfwjs ships (dist/models/inception_v3): the
 * layer topology and the weights, dequantized from uint8 (value = q * scale + min, as tfjs's
 * io.decodeWeights does). No TensorFlow.js at run time: the bundles are parsed as data
 * (js_literal.ts) and the base64 shards decoded here.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { parseBundledLiteral, type LiteralValue } from './js_literal.js';

export interface KerasLayer {
  name: string;
  className: string;
  config: Record<string, LiteralValue>;
  /** Names of the layers feeding this one (first inbound node). */
  inputs: string[];
}

export interface KerasModel {
  layers: KerasLayer[];
  /** Weights by name (`conv2d_1/kernel`), float32, with their Keras shapes. */
  weights: Map<string, { shape: number[]; values: Float32Array }>;
}

/** The folder holding nsfwjs's InceptionV3 files, found through Node's module resolution. */
export function nsfwjsInceptionDir(): string {
  // The package's "exports" hide its data files from require.resolve, so look in the node_modules folders it would search.
  const searched = createRequire(import.meta.url).resolve.paths('nsfwjs') ?? [];
  for (const nodeModules of searched) {
    const dir = join(nodeModules, 'nsfwjs', 'dist', 'models', 'inception_v3');
    if (existsSync(join(dir, 'model.min.js'))) return dir;
  }
  throw new CheckpointError('the npm package nsfwjs (which holds the InceptionV3 weights the metrics use) is not installed; run `npm ci` in the cyclegan folder');
}

type Obj = Record<string, LiteralValue>;

function isObj(v: LiteralValue | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field<T extends LiteralValue>(o: LiteralValue | undefined, key: string, check: (v: LiteralValue | undefined) => v is T, where: string): T {
  const v = isObj(o) ? o[key] : undefined;
  if (!check(v)) throw new CheckpointError(`${where}: expected a valid '${key}' field; the model file is damaged (reinstall nsfwjs: npm ci)`);
  return v;
}

const isArr = (v: LiteralValue | undefined): v is LiteralValue[] => Array.isArray(v);
const isStr = (v: LiteralValue | undefined): v is string => typeof v === 'string';
const isNum = (v: LiteralValue | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function parseLayers(topology: LiteralValue, file: string): KerasLayer[] {
  const config = field(field(topology, 'model_config', isObj, file), 'config', isObj, file);
  return field(config, 'layers', isArr, file).map((layer, i) => {
    const where = `${file}: layer ${i}`;
    const nodes = field(layer, 'inbound_nodes', isArr, where);
    const first = nodes[0];
    const inputs = isArr(first) ? first.map((n) => (isArr(n) && isStr(n[0]) ? n[0] : field({}, 'inbound_nodes', isStr, where))) : [];
    return { name: field(layer, 'name', isStr, where), className: field(layer, 'class_name', isStr, where), config: field(layer, 'config', isObj, where), inputs };
  });
}

function decodeBase64Strict(text: string, file: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new CheckpointError(`${file}: the weight shard is not valid base64; reinstall nsfwjs (npm ci)`);
  return Buffer.from(text, 'base64');
}

function dequantize(spec: LiteralValue, bytes: Buffer, offset: number, file: string): { name: string; shape: number[]; values: Float32Array; size: number } {
  const name = field(spec, 'name', isStr, file);
  const where = `${file}: weight ${name}`;
  const shape = field(spec, 'shape', isArr, where).map((d) => (isNum(d) && Number.isInteger(d) && d >= 0 ? d : field({}, 'shape', isNum, where)));
  const count = shape.reduce((a, b) => a * b, 1);
  const q = isObj(spec) ? spec.quantization : undefined;
  const values = new Float32Array(count);
  if (q === undefined) {
    if (field(spec, 'dtype', isStr, where) !== 'float32') throw new CheckpointError(`${where}: only float32 and uint8-quantized weights are supported`);
    if (offset + 4 * count > bytes.length) throw new CheckpointError(`${where}: the shards end before this weight; reinstall nsfwjs (npm ci)`);
    for (let i = 0; i < count; i++) values[i] = bytes.readFloatLE(offset + 4 * i);
    return { name, shape, values, size: 4 * count };
  }
  if (field(q, 'dtype', isStr, where) !== 'uint8') throw new CheckpointError(`${where}: only uint8 quantization is supported, not ${String((q as Obj).dtype)}`);
  const min = field(q, 'min', isNum, where);
  const scale = field(q, 'scale', isNum, where);
  if (offset + count > bytes.length) throw new CheckpointError(`${where}: the shards end before this weight; reinstall nsfwjs (npm ci)`);
  // Computed in float64 and stored as float32, as tfjs's io.decodeWeights does: the same weights bit for bit.
  for (let i = 0; i < count; i++) values[i] = (bytes[offset + i] as number) * scale + min;
  return { name, shape, values, size: count };
}

/** Reads model.min.js and the weight shards it names from `dir`. */
export async function loadNsfwjsModel(dir = nsfwjsInceptionDir()): Promise<KerasModel> {
  const modelFile = join(dir, 'model.min.js');
  const model = parseBundledLiteral(await readText(modelFile), modelFile);
  const layers = parseLayers(field(model, 'modelTopology', isObj, modelFile), modelFile);
  const weights: KerasModel['weights'] = new Map();
  for (const group of field(model, 'weightsManifest', isArr, modelFile)) {
    const paths = field(group, 'paths', isArr, modelFile).map((p) => {
      // Only plain shard names in the same folder: never follow a path out of it.
      if (!isStr(p) || !/^[\w.-]+$/.test(p)) throw new CheckpointError(`${modelFile}: expected shard names like group1-shard1of6 but found ${JSON.stringify(p)}`);
      return join(dir, `${p}.min.js`);
    });
    const shards: Buffer[] = [];
    for (const p of paths) {
      const text = parseBundledLiteral(await readText(p), p);
      if (!isStr(text)) throw new CheckpointError(`${p}: expected a base64 string of weights; reinstall nsfwjs (npm ci)`);
      shards.push(decodeBase64Strict(text, p));
    }
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const spec of field(group, 'weights', isArr, modelFile)) {
      const w = dequantize(spec, bytes, offset, modelFile);
      offset += w.size;
      weights.set(w.name, { shape: w.shape, values: w.values });
    }
    if (offset !== bytes.length) throw new CheckpointError(`${modelFile}: the shards hold ${bytes.length} bytes but the manifest describes ${offset}; reinstall nsfwjs (npm ci)`);
  }
  return { layers, weights };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CheckpointError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); reinstall nsfwjs (npm ci)`);
  }
}
