// Dependencies point one way: cli -> train / predict / export -> translate -> data / io / model ->
// config -> engine -> the addon. Every import from one folder of src/ to another must go to a
// strictly lower layer (peers such as predict and export may not import each other), and no set of
// files imports itself round a circle. The layer table is the README's Development section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { importCycles, importGraph, upwardImports, type ImportGraph } from '../helpers/import_graph.js';
import { repoRoot } from '../helpers/reference.js';

const LAYERS: Readonly<Record<string, number>> = {
  index: 12, // the library's entry point
  cli: 12,
  demo: 11,
  train: 10,
  predict: 9,
  export: 9,
  ui: 9,
  translate: 8,
  metrics: 8,
  data: 7,
  storage: 6,
  io: 5,
  model: 4,
  config: 3,
  engine: 2,
  errors: 1,
  version: 1,
};

const graph = importGraph(join(repoRoot, 'src'));

test('every import between folders of src/ goes to a lower layer', () => {
  assert.ok(graph.size > 100, `expected the whole source tree, found ${graph.size} files`);
  assert.deepEqual(upwardImports(graph, LAYERS), []);
});

test('no files of src/ import each other round a circle', () => {
  assert.deepEqual(importCycles(graph), []);
});

test('the checks see what they are for: an upward import, a peer import, a circle, a folder without a layer', () => {
  const made: ImportGraph = new Map([
    ['engine/tensor.ts', ['train/trainer.ts']],
    ['train/trainer.ts', ['engine/tensor.ts', 'train/step.ts']],
    ['train/step.ts', ['train/trainer.ts']],
    ['predict/predict.ts', ['export/onnx.ts']],
    ['export/onnx.ts', []],
    ['newthing/a.ts', ['engine/tensor.ts']],
  ]);
  assert.deepEqual(upwardImports(made, LAYERS), [
    'engine/tensor.ts -> train/trainer.ts: engine (layer 2) may not import train (layer 10)',
    'predict/predict.ts -> export/onnx.ts: predict (layer 9) may not import export (layer 9)',
    'newthing/a.ts -> engine/tensor.ts: newthing has no layer',
  ]);
  assert.deepEqual(importCycles(made).map((c) => c.join(' ')).sort(), ['engine/tensor.ts train/step.ts train/trainer.ts']);
});
