// Every op and its gradient against PyTorch: the reference script computes outputs and the gradients of
// sum(output * upstream) on the same inputs; our engine must match within 1e-5 relative.
import { before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { readSafetensors, type StoredTensor } from '../../src/io/safetensors.js';
import { fromStored } from '../../src/io/tensor_store.js';
import { assertClose } from '../helpers/assert_close.js';
import { referenceDir, runReference, tempDir } from '../helpers/reference.js';

type Args = Record<string, number & number[] & boolean & string>;
type Op = (a: Args, x: E.Tensor[]) => E.Tensor;

const OPS: Record<string, Op> = {
  neg: (_, x) => x[0].neg(),
  abs: (_, x) => x[0].abs(),
  sqrt: (_, x) => x[0].sqrt(),
  rsqrt: (_, x) => x[0].rsqrt(),
  square: (_, x) => x[0].square(),
  exp: (_, x) => x[0].exp(),
  log: (_, x) => x[0].log(),
  relu: (_, x) => x[0].relu(),
  tanh: (_, x) => x[0].tanh(),
  sigmoid: (_, x) => x[0].sigmoid(),
  leaky_relu: (a, x) => x[0].leakyRelu(a.slope),
  clamp: (a, x) => x[0].clamp(a.min, a.max),
  add: (_, x) => x[0].add(x[1]),
  sub: (_, x) => x[0].sub(x[1]),
  mul: (_, x) => x[0].mul(x[1]),
  div: (_, x) => x[0].div(x[1]),
  pow: (_, x) => x[0].pow(x[1]),
  maximum: (_, x) => x[0].maximum(x[1]),
  minimum: (_, x) => x[0].minimum(x[1]),
  add_scalar: (a, x) => x[0].add(a.s),
  sub_scalar: (a, x) => x[0].sub(a.s),
  rsub_scalar: (a, x) => x[0].rsub(a.s),
  mul_scalar: (a, x) => x[0].mul(a.s),
  div_scalar: (a, x) => x[0].div(a.s),
  pow_scalar: (a, x) => x[0].pow(a.s),
  sum_all: (_, x) => x[0].sum(),
  sum_dims: (a, x) => x[0].sum(a.dims, a.keepdim),
  mean_all: (_, x) => x[0].mean(),
  mean_dims: (a, x) => x[0].mean(a.dims, a.keepdim),
  max_all: (_, x) => x[0].max(),
  conv2d: (a, x) => E.conv2d(x[0], x[1], x[2], { stride: a.stride, padding: a.padding }),
  conv2d_nobias: (a, x) => E.conv2d(x[0], x[1], null, { stride: a.stride, padding: a.padding }),
  conv_transpose2d: (a, x) => E.convTranspose2d(x[0], x[1], x[2], { stride: a.stride, padding: a.padding, outputPadding: a.output_padding }),
  instance_norm: (_, x) => E.instanceNorm(x[0]),
  instance_norm_affine: (_, x) => E.instanceNorm(x[0], x[1], x[2]),
  reflection_pad: (a, x) => E.pad2d(x[0], a.pad, 'reflect'),
  zero_pad: (a, x) => E.pad2d(x[0], a.pad, 'constant'),
  mse_loss: (_, x) => E.mseLoss(x[0], x[1]),
  mse_loss_label: (a, x) => E.mseLoss(x[0], a.s),
  l1_loss: (_, x) => E.l1Loss(x[0], x[1]),
  cat: (a, x) => E.cat(x, a.dim),
  stack: (a, x) => E.stack(x, a.dim),
  slice: (a, x) => x[0].slice(a.dim, a.start, a.end, a.step),
  reshape: (a, x) => x[0].reshape(a.shape),
  permute: (a, x) => x[0].permute(a.dims),
  transpose: (a, x) => x[0].transpose(a.dim0, a.dim1),
  flip: (a, x) => x[0].flip(a.dims),
  channels_last: (_, x) => x[0].channelsLast().mul(2),
  bfloat16_roundtrip: (_, x) => x[0].to({ dtype: 'bfloat16' }).to({ dtype: 'float32' }),
  max_pool2d: (a, x) => E.maxPool2d(x[0], a.kernel, { stride: a.stride, padding: a.padding }),
  avg_pool2d: (a, x) => E.avgPool2d(x[0], a.kernel, { stride: a.stride, padding: a.padding, countIncludePad: a.count_include_pad }),
  matmul: (_, x) => E.matmul(x[0], x[1]),
};

interface Case {
  name: string;
  op: string;
  inputs: number[][];
  args?: Args;
}

const cases: Case[] = JSON.parse(readFileSync(join(referenceDir, 'op_cases.json'), 'utf8'));

describe('ops match PyTorch (forward and backward)', () => {
  let golden: Map<string, StoredTensor>;
  before(() => {
    const out = join(tempDir(), 'ops.safetensors');
    runReference('op_goldens.py', [out]);
    golden = readSafetensors(out).tensors;
  });

  test('every case in op_cases.json has an implementation here', () => {
    const missing = cases.filter((c) => !OPS[c.op]).map((c) => c.op);
    if (missing.length) throw new Error(`no engine op for ${missing.join(', ')}`);
  });

  for (const c of cases) {
    test(c.name, () => {
      E.tidy(() => {
        const get = (key: string): StoredTensor => {
          const t = golden.get(`${c.name}.${key}`);
          if (!t) throw new Error(`golden file lacks ${c.name}.${key}`);
          return t;
        };
        const inputs = c.inputs.map((_, i) => {
          const x = fromStored(get(`input${i}`));
          x.requiresGrad = true;
          return x;
        });
        const y = OPS[c.op](c.args ?? ({} as Args), inputs);
        const expected = get('output');
        if (y.shape.join() !== expected.shape.join()) throw new Error(`shape [${y.shape}] != [${expected.shape}]`);
        assertClose(y.toFloat32(), expected.data as Float32Array, `${c.name} output`);
        y.mul(fromStored(get('upstream'))).sum().backward();
        inputs.forEach((x, i) => {
          const grad = x.grad;
          if (!grad) throw new Error(`${c.name}: input ${i} got no gradient`);
          assertClose(grad.toFloat32(), get(`grad${i}`).data as Float32Array, `${c.name} grad of input ${i}`);
        });
      });
    });
  }
});
