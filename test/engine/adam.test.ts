// Adam against torch.optim.Adam (betas 0.5/0.999 as CycleGAN uses, with and without weight decay), step by step;
// and its state survives export and import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { fromStored } from '../../src/io/tensor_store.js';
import { assertClose } from '../helpers/assert_close.js';
import { runReference, tempDir } from '../helpers/reference.js';

function lossOf(w: E.Tensor, b: E.Tensor, x: E.Tensor): E.Tensor {
  // (x @ w^T + b) written with broadcasting: [5,1,4] * [1,3,4] summed over the last dim.
  const xw = x.unsqueeze(1).mul(w.unsqueeze(0)).sum(2);
  return xw.add(b).tanh().pow(2).mean();
}

test('Adam matches torch.optim.Adam step by step', () => {
  const out = join(tempDir(), 'adam.safetensors');
  runReference('adam_golden.py', [out]);
  const g = readSafetensors(out).tensors;
  E.tidy(() => {
    const w = E.keep(fromStored(g.get('w0')!));
    const b = E.keep(fromStored(g.get('b0')!));
    w.requiresGrad = true;
    b.requiresGrad = true;
    const x = fromStored(g.get('x')!);
    const opt = new E.Adam([w, b], { lr: 0.01, betas: [0.5, 0.999], weightDecay: 0.1 });
    for (let step = 1; step <= 6; step++) {
      E.tidy(() => {
        opt.zeroGrad();
        const loss = lossOf(w, b, x);
        assertClose([loss.item()], g.get(`loss${step}`)!.data as Float32Array, `loss at step ${step}`);
        loss.backward();
        opt.step();
      });
      assertClose(w.toFloat32(), g.get(`w${step}`)!.data as Float32Array, `w after step ${step}`);
      assertClose(b.toFloat32(), g.get(`b${step}`)!.data as Float32Array, `b after step ${step}`);
    }
    opt.dispose();
    w.dispose();
    b.dispose();
  });
});

test('Adam matches torch.optim.Adam on a long parameter split over threads', () => {
  const out = join(tempDir(), 'adam_long.safetensors');
  runReference('adam_golden.py', [out]);
  const g = readSafetensors(out).tensors;
  const threadsBefore = E.getNumThreads();
  E.setNumThreads(2);
  try {
    E.tidy(() => {
      const p = E.keep(fromStored(g.get('p0')!));
      p.requiresGrad = true;
      const target = fromStored(g.get('target')!);
      const scale = fromStored(g.get('scale')!);
      const opt = new E.Adam([p], { lr: 0.02, betas: [0.5, 0.999] });
      for (let step = 1; step <= 3; step++) {
        E.tidy(() => {
          opt.zeroGrad();
          p.sub(target).square().mul(scale).sum().backward();
          opt.step();
        });
        assertClose(p.toFloat32(), g.get(`p${step}`)!.data as Float32Array, `p after step ${step}`);
      }
      opt.dispose();
      p.dispose();
    });
  } finally {
    E.setNumThreads(threadsBefore);
  }
});

test('Adam state exported and imported continues identically', () => {
  E.tidy(() => {
    const make = () => {
      const p = E.keep(E.randn([4, 4], { seed: 3 }));
      p.requiresGrad = true;
      return p;
    };
    const stepOnce = (p: E.Tensor, opt: E.Adam) =>
      E.tidy(() => {
        opt.zeroGrad();
        p.square().sum().backward();
        opt.step();
      });
    const a = make();
    const optA = new E.Adam([a], { lr: 0.1 });
    for (let i = 0; i < 3; i++) stepOnce(a, optA);
    const b = make();
    E.copyInto(b, a);
    const optB = new E.Adam([b], { lr: 0.5 });
    optB.loadStateDict(optA.stateDict());
    assert.equal(optB.stepCount, 3);
    assert.equal(optB.lr, 0.1);
    stepOnce(a, optA);
    stepOnce(b, optB);
    assert.deepEqual([...b.toFloat32()], [...a.toFloat32()]);
    for (const t of [a, b]) t.dispose();
    optA.dispose();
    optB.dispose();
  });
});
