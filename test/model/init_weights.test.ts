// init_type and init_gain, checked against the distributions torch.nn.init defines (derived on paper
// from its documentation): normal(0, gain); xavier_normal std = gain * sqrt(2 / (fan_in + fan_out));
// kaiming_normal(a=0, fan_in) std = sqrt(2 / fan_in); orthogonal rows (or columns) orthonormal times
// gain; BatchNorm weights normal(1, gain); biases 0. Fans count dimension 1 as fan-in, as torch does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { initWeights } from '../../src/model/init_weights.js';

function stats(values: Float32Array): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std };
}

/** M M^T for M rows x cols (or M^T M when rows > cols): should be gain^2 I. */
function gram(values: Float32Array, rows: number, cols: number): number[][] {
  const [n, m] = rows <= cols ? [rows, cols] : [cols, rows];
  const at = (i: number, k: number) => (rows <= cols ? values[i * cols + k] : values[k * cols + i]);
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Array.from({ length: m }, (_, k) => at(i, k) * at(j, k)).reduce((a, b) => a + b, 0)));
}

describe('init_weights', () => {
  E.manualSeed(3);
  const conv = () => new E.Sequential(new E.Conv2d(64, 32, 3), new E.BatchNorm2d(32), new E.ConvTranspose2d(32, 2, 3));
  const within = (actual: number, expected: number, rel: number, what: string) => assert.ok(Math.abs(actual - expected) <= rel * expected, `${what}: ${actual}, expected ${expected} within ${rel * 100}%`);

  test('normal, with a gain other than the default', () => {
    const net = conv();
    initWeights(net, 'normal', 0.05);
    const [c] = net.layers as [E.Conv2d];
    within(stats(c.weight.toFloat32()).std, 0.05, 0.05, 'conv std');
    assert.ok(c.bias!.toFloat32().every((v) => v === 0));
    net.dispose();
  });

  test('xavier and kaiming: the std of their fans', () => {
    for (const [type, std] of [
      ['xavier', 0.5 * Math.sqrt(2 / (64 * 9 + 32 * 9))],
      ['kaiming', Math.sqrt(2 / (64 * 9))],
    ] as const) {
      const net = conv();
      initWeights(net, type, 0.5);
      within(stats((net.layers[0] as E.Conv2d).weight.toFloat32()).std, std, 0.05, `${type} conv std`);
      net.dispose();
    }
    const t = new E.ConvTranspose2d(256, 128, 3); // fan_in is dimension 1: 128 * 9
    initWeights(t, 'kaiming');
    within(stats(t.weight.toFloat32()).std, Math.sqrt(2 / (128 * 9)), 0.05, 'transposed conv kaiming std');
    t.dispose();
  });

  test('orthogonal: rows (or columns, when there are more rows) orthonormal, times gain', () => {
    const net = conv();
    initWeights(net, 'orthogonal', 0.7);
    for (const [layer, rows, cols] of [
      [net.layers[0] as E.Conv2d, 32, 64 * 9],
      [net.layers[2] as E.ConvTranspose2d, 32, 2 * 9],
    ] as const) {
      const g = gram(layer.weight.toFloat32(), rows, cols);
      g.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (i === j ? 0.49 : 0)) < 1e-4, `gram[${i}][${j}] = ${v}`)));
    }
    net.dispose();
  });

  test('BatchNorm: weights normal(1, gain), biases 0', () => {
    const bn = new E.BatchNorm2d(4096);
    initWeights(bn, 'xavier', 0.1);
    const s = stats(bn.weight.toFloat32());
    within(s.mean, 1, 0.01, 'mean');
    within(s.std, 0.1, 0.05, 'std');
    assert.ok(bn.bias.toFloat32().every((v) => v === 0));
    bn.dispose();
  });
});
