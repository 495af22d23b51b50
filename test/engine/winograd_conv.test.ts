// Winograd convolutions (native/winograd_conv.cc): where they run, and that they compute what a convolution
// computes. The reference is PyTorch in float64 on the same float32 inputs; the bound is relative to the largest
// value of each result, since Winograd's rounding error spreads over a tile rather than staying per element.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { describeConvGoldens, type ConvCase } from '../helpers/conv_golden.js';
import { assertMemoryFlat } from '../helpers/memory_flat.js';
import { repoRoot } from '../helpers/reference.js';

const CASES: ConvCase[] = [
  { name: 'resblock', input: [1, 64, 34, 34], out: 64, bias: true },
  { name: 'batch2_nobias_nonsquare', input: [2, 64, 36, 34], out: 80, bias: false },
  { name: 'resblock_channels_last', input: [1, 64, 34, 34], out: 64, bias: true, channelsLast: true },
];

/** Largest |a - b| over the largest |b|. */
function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

/**
 * float32 rounding of a 576-term sum already reaches ~1e-6 of the largest output; Winograd's transforms add a few
 * times that. A wrong layout or tap would be off by order 1.
 */
const BOUND = 1e-5;

describeConvGoldens('Winograd convolutions match PyTorch (float64) forward and backward', CASES, { bound: BOUND, error: maxRelativeError });

function kernelsRun(channels: number, outputSide: number): { lines: string[]; built: boolean } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'test', 'engine', 'winograd_worker.js'), String(channels), String(outputSide)], {
    env: { ...process.env, ONEDNN_VERBOSE: '1', DNNL_VERBOSE: '1', CYCLEGAN_WINOGRAD: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /grads xw/);
  const built = /"built":true/.test(r.stdout);
  return { lines: r.stdout.split('\n').filter((l) => /^(onednn|dnnl)_verbose,exec,cpu,convolution,/.test(l)), built };
}

describe('which convolutions run as Winograd', () => {
  test('a ResNet block convolution (64 channels, 32x32 out): forward, backward-data and backward-weights', () => {
    const { lines, built } = kernelsRun(64, 32);
    for (const kind of ['forward_training', 'backward_data', 'backward_weights']) {
      const ran = lines.filter((l) => l.includes(`,${kind},`));
      assert.equal(ran.length, 1, `expected one ${kind} convolution:\n${lines.join('\n')}`);
      // Without a oneDNN build (libtorch 2.x, pip wheels) every convolution stays direct.
      assert.equal(/wino/.test(ran[0]!), built, `${kind} ${built ? 'should' : 'cannot'} be Winograd:\n${ran[0]}`);
    }
  });

  for (const [channels, side, why] of [
    [32, 32, 'fewer than 64 channels'],
    [64, 16, 'a 16x16 output'],
  ] as const) {
    test(`not where it is slower: ${why}`, () => {
      const { lines } = kernelsRun(channels, side);
      assert.equal(lines.length, 3, lines.join('\n'));
      assert.ok(lines.every((l) => !/wino/.test(l)), lines.join('\n'));
    });
  }
});

test('Winograd convolutions keep live tensors, allocator use and RSS flat over 100 forward and backward passes', () => {
  const x = E.keep(E.randn([1, 64, 34, 34], { seed: 3 }));
  const w = E.keep(E.randn([64, 64, 3, 3], { seed: 4 }).mul(0.05));
  const b = E.keep(E.zeros([64]));
  for (const t of [x, w, b]) t.requiresGrad = true;
  const pass = () =>
    E.tidy(() => {
      E.zeroGrad([x, w, b]);
      E.conv2d(x, w, b).square().mean().backward();
    });
  assertMemoryFlat(pass);
  for (const t of [x, w, b]) t.dispose();
});

test('plans are kept for at most 32 shapes, the least recently used dropped first', () => {
  const built = E.winograd().built;
  E.tidy(() => {
    const w = E.randn([64, 64, 3, 3], { seed: 5 });
    for (let side = 34; side < 34 + 40; side++) E.conv2d(E.randn([1, 64, side, 34], { seed: side }), w);
  });
  // Without a oneDNN build no plan is ever made.
  assert.equal(E.winograd().plans, built ? 32 : 0);
});
