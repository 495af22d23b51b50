// The ONNX runner is how a machine without libtorch predicts, so nothing it imports, directly or
// through other modules, may reach src/engine (which loads the native addon).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/reference.js';

function relativeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  // Type-only imports vanish from the compiled JavaScript, which is what this reads.
  return [...source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => resolve(dirname(file), m[1]));
}

test('onnx_runner.js never imports the engine, not even indirectly', () => {
  const distSrc = join(repoRoot, 'dist', 'src');
  const start = join(distSrc, 'predict', 'model_runners', 'onnx_runner.js');
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...relativeImports(file));
  }
  const reached = [...seen].map((f) => relative(distSrc, f));
  assert.ok(reached.length > 1, `found no imports from ${start}`);
  assert.deepEqual(reached.filter((f) => f.startsWith('engine')), [], `reached: ${reached.join(', ')}`);
});
