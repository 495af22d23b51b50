// 200 forward/backward/Adam steps of a small conv net keep the live tensor count constant and RSS flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';

class SmallNet extends E.Module {
  readonly body = this.registerModule(
    'model',
    new E.Sequential(new E.ReflectionPad2d(1), new E.Conv2d(3, 8, 3), new E.InstanceNorm2d(8), new E.ReLU(), new E.Conv2d(8, 3, 3, { padding: 1 }), new E.Tanh()),
  );
  forward(x: E.Tensor): E.Tensor {
    return this.body.forward(x);
  }
}

test('live tensors and RSS stay flat over 200 training steps', () => {
  E.manualSeed(0);
  const net = new SmallNet();
  const opt = new E.Adam(net.parameters(), { lr: 1e-3, betas: [0.5, 0.999] });
  const x = E.keep(E.randn([2, 3, 32, 32], { seed: 1 }));
  const step = () =>
    E.tidy(() => {
      opt.zeroGrad();
      const y = net.forward(x);
      const loss = E.l1Loss(y, x).add(E.mseLoss(y, 0.5));
      loss.backward();
      opt.step();
      return loss.item();
    });
  for (let i = 0; i < 20; i++) step();
  const liveBefore = E.liveTensors();
  const rssBefore = process.memoryUsage().rss;
  let first = 0;
  let last = 0;
  for (let i = 0; i < 200; i++) {
    const loss = step();
    if (i === 0) first = loss;
    last = loss;
  }
  const liveAfter = E.liveTensors();
  const rssAfter = process.memoryUsage().rss;
  assert.equal(liveAfter, liveBefore, `live tensors went from ${liveBefore} to ${liveAfter}`);
  assert.ok(rssAfter < rssBefore * 1.05, `RSS grew from ${(rssBefore / 2 ** 20).toFixed(1)} MiB to ${(rssAfter / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(last < first, `training should reduce the loss (first ${first}, last ${last})`);
  net.dispose();
  opt.dispose();
  x.dispose();
});
