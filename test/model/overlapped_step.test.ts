// The overlapped step (trainStepWithHook's default) runs the discriminators' phase while the G hook's promise
// is pending and gives the same bits as trainStep: losses, weights, Adam moments and pools, over steps where
// the image pools fill and are drawn from. The 2-rank version, with gradients averaged by c10d on a worker
// thread meanwhile, is in test/train/distributed_train.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import * as E from '../../src/engine/index.js';
import { Rng } from '../../src/engine/rng.js';
import { CycleGan, type GradientHook, type Losses } from '../../src/model/cyclegan.js';

const STEPS = 3;

function tinyModel(): CycleGan {
  E.manualSeed(7);
  return new CycleGan({ channels: 3, ngf: 4, ndf: 4, nBlocks: 1, gLearningRate: 2e-4, dLearningRate: 2e-4, lambdaCycle: 10, lambdaIdentity: 0.5, poolSize: 2, poolRng: new Rng(3) });
}

function batch(step: number, domain: number): E.Tensor {
  return E.tidy(() => E.rand([1, 3, 32, 32], { seed: 100 + 2 * step + domain }).mul(2).sub(1));
}

/** Every tensor of the model's state as bytes, by name. */
function stateBytes(model: CycleGan): Map<string, Uint8Array> {
  const { tensors } = model.stateDict();
  return new Map([...tensors].map(([name, t]) => {
    const f = t.toFloat32();
    return [name, new Uint8Array(f.buffer, f.byteOffset, f.byteLength)];
  }));
}

/** A checksum of D's gradients, or null before D's first backward. */
function dGradients(model: CycleGan): number | null {
  const g = model.netD_A.parameters()[0]!.grad;
  if (!g) return null;
  const s = E.tidy(() => g.abs().sum().item());
  g.dispose();
  return s;
}

/** A G hook that resolves a few milliseconds later and records whether D's gradients changed meanwhile. */
function slowHook(model: CycleGan, changedMeanwhile: boolean[]): GradientHook {
  return async (phase) => {
    if (phase !== 'G') return;
    const before = dGradients(model);
    await delay(20);
    changedMeanwhile.push(dGradients(model) !== before);
  };
}

async function run(kind: 'plain' | 'hook, in order' | 'hook, overlapped'): Promise<{ losses: Losses[]; state: Map<string, Uint8Array>; changedMeanwhile: boolean[] }> {
  const model = tinyModel();
  const losses: Losses[] = [];
  const changedMeanwhile: boolean[] = [];
  try {
    for (let step = 0; step < STEPS; step++) {
      const [a, b] = [batch(step, 0), batch(step, 1)];
      if (kind === 'plain') losses.push(model.trainStep(a, b));
      else losses.push(await model.trainStepWithHook(a, b, slowHook(model, changedMeanwhile), { overlap: kind === 'hook, overlapped' }));
      a.dispose();
      b.dispose();
    }
    return { losses, state: stateBytes(model), changedMeanwhile };
  } finally {
    model.dispose();
  }
}

test('the overlapped step equals trainStep bit for bit, and D computes while the G hook is pending', async () => {
  const plain = await run('plain');
  const inOrder = await run('hook, in order');
  const overlapped = await run('hook, overlapped');
  // The hook really ran in order in one case and overlapped in the other.
  assert.deepEqual(inOrder.changedMeanwhile, [false, false, false]);
  assert.deepEqual(overlapped.changedMeanwhile, [true, true, true]);
  for (const other of [inOrder, overlapped]) {
    assert.deepEqual(other.losses, plain.losses);
    assert.deepEqual([...other.state.keys()], [...plain.state.keys()]);
    for (const [name, bytes] of plain.state) assert.ok(Buffer.compare(bytes, other.state.get(name)!) === 0, `${name} differs`);
  }
  assert.ok([...plain.state.keys()].some((n) => n.startsWith('optimizer_G.exp_avg.')), 'the state holds Adam moments');
  assert.ok([...plain.state.keys()].some((n) => n.includes('fake_A')), `the state holds the pools: ${[...plain.state.keys()].filter((n) => !n.startsWith('net') && !n.startsWith('optim'))}`);
});
