// The generators' weight average (ema_decay): after each generator step it follows the recursion
// avg_t = avg_(t-1) + (w_t - avg_(t-1)) * (1 - d_t), d_t = min(decay, (1 + t) / (10 + t)), from avg_0 = w_0,
// computed here in float64 from the live weights; it never changes training; it survives a state round trip;
// translation and model files use it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { Rng } from '../../src/engine/rng.js';
import { CycleGan, type CycleGanOptions } from '../../src/model/cyclegan.js';

const options = (emaDecay: number): CycleGanOptions => ({ channels: 3, ngf: 4, ndf: 4, nBlocks: 1, gLearningRate: 2e-3, dLearningRate: 2e-3, lambdaCycle: 10, lambdaIdentity: 0.5, poolSize: 2, poolRng: new Rng(3), emaDecay });
const image = (seed: number) => {
  const rng = new Rng(seed);
  return E.tensor(Float32Array.from({ length: 3 * 32 * 32 }, () => rng.next() * 2 - 1), [1, 3, 32, 32]);
};
const values = (t: E.Tensor) => Float64Array.from(t.toFloat32());

test('the average follows the warmed-up recursion from the initial weights, parameter by parameter', () => {
  E.manualSeed(5);
  const model = new CycleGan(options(0.9));
  const [a, b] = [image(1), image(2)];
  try {
    const names = model.netG_A.namedParameters().map(([n]) => n);
    const live = () => new Map(model.netG_A.namedParameters().map(([n, t]) => [n, values(t)]));
    let expected = live();
    for (let t = 1; t <= 4; t++) {
      E.tidy(() => model.trainStep(a, b));
      const d = Math.min(0.9, (1 + t) / (10 + t));
      const w = live();
      expected = new Map(names.map((n) => [n, expected.get(n)!.map((x, i) => x + (w.get(n)![i]! - x) * (1 - d))]));
    }
    const average = new Map(model.average!.netG_A.namedParameters().map(([n, t]) => [n, values(t)]));
    let worst = 0;
    let moved = 0;
    for (const n of names) {
      const e = expected.get(n)!;
      const got = average.get(n)!;
      const w = live().get(n)!;
      e.forEach((x, i) => {
        worst = Math.max(worst, Math.abs(x - got[i]!));
        moved = Math.max(moved, Math.abs(w[i]! - got[i]!));
      });
    }
    assert.ok(worst < 1e-6, `average differs from the recursion by ${worst}`);
    assert.ok(moved > 1e-5, 'the average equals the live weights: it does not average');
  } finally {
    model.dispose();
    a.dispose();
    b.dispose();
  }
});

test('training is the same with and without the average, and translation uses the average', () => {
  const run = (decay: number) => {
    E.manualSeed(7);
    const model = new CycleGan(options(decay));
    const [a, b] = [image(1), image(2)];
    try {
      const losses = [1, 2, 3].map(() => E.tidy(() => model.trainStep(a, b)));
      const weights = values(model.netG_A.namedParameters()[0]![1]);
      const used = E.tidy(() => values(model.translate(a)));
      const live = E.tidy(() => values(E.noGrad(() => model.netG_A.eval().forward(a))));
      return { losses, weights, used, live, usesAverage: model.generatorForUse() === model.average?.netG_A };
    } finally {
      model.dispose();
      a.dispose();
      b.dispose();
    }
  };
  const plain = run(0);
  const averaged = run(0.5);
  assert.deepEqual(averaged.losses, plain.losses);
  assert.deepEqual(averaged.weights, plain.weights);
  assert.equal(plain.usesAverage, false);
  assert.equal(averaged.usesAverage, true);
  assert.ok(averaged.used.some((x, i) => Math.abs(x - averaged.live[i]!) > 1e-6), 'translation with ema_decay used the live weights');
});

test('the average is part of the state: a model loaded from it translates the same', () => {
  E.manualSeed(9);
  const first = new CycleGan(options(0.8));
  const second = new CycleGan(options(0.8));
  const [a, b] = [image(1), image(2)];
  try {
    for (let t = 0; t < 3; t++) E.tidy(() => first.trainStep(a, b));
    assert.ok(first.stateDict().tensors.has('ema.netG_A.model.1.weight'));
    E.tidy(() => second.loadStateDict(first.stateDict()));
    assert.deepEqual(E.tidy(() => values(second.translate(a))), E.tidy(() => values(first.translate(a))));
  } finally {
    first.dispose();
    second.dispose();
    a.dispose();
    b.dispose();
  }
});
