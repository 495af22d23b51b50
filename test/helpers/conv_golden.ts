// Convolutions checked against PyTorch in float64 (test/reference/conv_golden.py), forward and backward: the golden
// values are computed once per suite, then each case runs E.conv2d on the same float32 inputs and compares output,
// input, weight and bias gradients of sum(output * upstream).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { fromStored } from '../../src/io/tensor_store.js';
import { readSafetensors, type StoredTensor } from '../../src/io/safetensors.js';
import { runReference, tempDir } from './reference.js';

export interface ConvCase {
  name: string;
  input: [number, number, number, number];
  out: number;
  bias: boolean;
  kernel?: number;
  stride?: number;
  padding?: number;
  /** Run in bfloat16; the reference rounds the operands to bfloat16 as the kernel does. */
  bf16?: boolean;
  channelsLast?: boolean;
}

export interface GoldenCheck {
  /** The largest error accepted, as `error` measures it. */
  bound: number;
  /** The error of `actual` against `expected`. */
  error: (actual: Float32Array, expected: Float32Array) => number;
}

export function describeConvGoldens(title: string, cases: readonly ConvCase[], check: GoldenCheck): void {
  describe(title, () => {
    let golden: Map<string, StoredTensor>;
    before(() => {
      const dir = tempDir();
      writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
      runReference('conv_golden.py', [join(dir, 'cases.json'), join(dir, 'golden.safetensors')]);
      golden = readSafetensors(join(dir, 'golden.safetensors')).tensors;
    });

    for (const c of cases) {
      test(c.name, () => {
        E.tidy(() => {
          const get = (key: string) => fromStored(golden.get(`${c.name}.${key}`)!);
          const x = c.channelsLast ? get('input').channelsLast() : get('input');
          const w = get('weight');
          const b = c.bias ? get('bias') : null;
          for (const t of [x, w, b]) if (t) t.requiresGrad = true;
          const y = E.conv2d(x, w, b, { stride: c.stride ?? 1, padding: c.padding ?? 0, precision: c.bf16 ? 'bfloat16' : 'float32' });
          assert.equal(y.dtype, 'float32');
          const compare = (t: E.Tensor | null, key: string) => {
            assert.ok(t, `${c.name}: no ${key}`);
            const error = check.error(t.contiguous().toFloat32(), golden.get(`${c.name}.${key}`)!.data as Float32Array);
            assert.ok(error <= check.bound, `${c.name} ${key}: relative error ${error.toExponential(2)} > ${check.bound}`);
          };
          compare(y, 'output');
          y.mul(get('upstream')).sum().backward();
          compare(x.grad, 'grad_input');
          compare(w.grad, 'grad_weight');
          if (b) compare(b.grad, 'grad_bias');
        });
      });
    }
  });
}
