// Small batch-1 float32 convolutions run on oneDNN, forward and backward: libtorch alone sends those of up to
// 20480 input values to its im2col path (slower per call than oneDNN's on 4x larger inputs, see native/ops_nn.cc).
// The witness is oneDNN's own verbose log of the primitives it executed; ops.test.ts checks the values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/reference.js';

test('a [1, 16, 8, 8] 3x3 convolution runs oneDNN forward, backward-data and backward-weights', () => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'test', 'engine', 'small_conv_worker.js')], { env: { ...process.env, ONEDNN_VERBOSE: '1', DNNL_VERBOSE: '1' }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /grads xw/);
  const executed = r.stdout.split('\n').filter((l) => /^(onednn|dnnl)_verbose,exec,cpu,convolution,/.test(l));
  for (const kind of ['forward_training', 'backward_data', 'backward_weights']) {
    assert.ok(executed.some((l) => l.includes(`,${kind},`)), `no oneDNN convolution ${kind} in the log:\n${executed.join('\n') || r.stdout.slice(0, 2000)}`);
  }
});
