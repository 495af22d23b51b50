/**
 * One rank of bench/data_parallel.ts, in a process of its own (once.ts), placed by RANK, WORLD_SIZE and
 * MASTER_PORT in its environment (WORLD_SIZE 1: no process group at all, the plain trainer step).
 *  - kind 'steps': trains the train-step benchmark's CycleGAN on random images, one image per rank and
 *    step, as the trainer does: with more than one rank as DistributedContext.trainStep does (gradients
 *    averaged between backward and optimizer step), alternating step by step between G's average
 *    overlapping D's phase and the plain order, so both see the same load. Reports seconds per step, and
 *    per order the seconds from the end of G's backward to the end of the step (the part the order changes).
 *  - kind 'allreduce': averages gradients shaped like one ResNet-9 generator's (11.4 M floats, 2 x 9 blocks
 *    x ...) across the ranks, as the G phase does; reports seconds per allreduce.
 * Every rank times the same steps; rank 0's numbers are the ones reported.
 */
import * as E from '../src/engine/index.js';
import type { GradientHook } from '../src/model/cyclegan.js';
import { ResnetGenerator } from '../src/model/resnet_generator.js';
import { DistributedContext } from '../src/train/distributed_context.js';
import { buildModel, MODEL, type ModelCase } from './model_case.js';
import { serveOnce } from './once.js';

export interface DataParallelCase extends ModelCase {
  kind: 'steps' | 'allreduce';
  size: number;
  threads: number;
}

await serveOnce<DataParallelCase>(async (c, warmup, count) => {
  E.setNumThreads(c.threads);
  E.manualSeed(c.seed);
  const rank = Number(process.env.RANK ?? 0);
  const worldSize = Number(process.env.WORLD_SIZE ?? 1);
  const dist = worldSize > 1 ? await DistributedContext.join({ rank, worldSize, masterAddr: '127.0.0.1', masterPort: Number(process.env.MASTER_PORT), timeoutMs: 600_000 }) : null;
  const seconds: number[] = [];
  const afterBackwardG = { overlap: [] as number[], plain: [] as number[] };
  const stepsByOrder = { overlap: [] as number[], plain: [] as number[] };
  try {
    if (c.kind === 'steps') {
      const model = buildModel(c);
      if (dist) await dist.syncModel(model, { G: 0, D: 0 });
      const plane = c.channels * c.size * c.size;
      const image = (seed: number): Float32Array => E.tidy(() => E.rand([plane], { seed }).mul(2).sub(1).toFloat32());
      for (let i = 0; i < warmup + count; i++) {
        const batch = { a: image(100 + 2 * i + 1000 * rank), b: image(101 + 2 * i + 1000 * rank), n: 1 };
        const t0 = performance.now();
        const overlap = i % 2 === 0;
        let backwardG = t0;
        if (dist) {
          const hook = dist.gradientHook(batch.n);
          const timed: GradientHook = (phase, params) => {
            if (phase === 'G') backwardG = performance.now();
            return hook(phase, params);
          };
          const dims = [1, c.channels, c.size, c.size];
          await E.tidyAsync(() => model.trainStepWithHook(E.tensor(batch.a, dims), E.tensor(batch.b, dims), timed, { overlap }));
        } else {
          E.tidy(() => void model.trainStep(E.tensor(batch.a, [1, c.channels, c.size, c.size]), E.tensor(batch.b, [1, c.channels, c.size, c.size])));
        }
        const t1 = performance.now();
        if (i < warmup) continue;
        seconds.push((t1 - t0) / 1000);
        if (dist) {
          afterBackwardG[overlap ? 'overlap' : 'plain'].push((t1 - backwardG) / 1000);
          stepsByOrder[overlap ? 'overlap' : 'plain'].push((t1 - t0) / 1000);
        }
      }
      model.dispose();
    } else {
      if (!dist) throw new Error('the allreduce case needs WORLD_SIZE > 1');
      const net = new ResnetGenerator({ channels: MODEL.channels, ngf: MODEL.ngf, nBlocks: MODEL.nBlocks });
      const params = net.parameters();
      // Gradients of ones: the values do not change the cost, the sizes and shapes do.
      E.tidy(() => params.map((p) => p.sum()).reduce((a, b) => a.add(b)).backward());
      for (let i = 0; i < warmup + count; i++) {
        await dist.group.barrier();
        const t0 = performance.now();
        await dist.group.allreduceMean(params, 1);
        if (i >= warmup) seconds.push((performance.now() - t0) / 1000);
      }
      net.dispose();
    }
  } finally {
    await dist?.leave();
  }
  return { seconds, afterBackwardG, stepsByOrder, floats: c.kind === 'allreduce' ? generatorFloats() : 0 };
});

function generatorFloats(): number {
  const net = new ResnetGenerator({ channels: MODEL.channels, ngf: MODEL.ngf, nBlocks: MODEL.nBlocks });
  const n = net.parameters().reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);
  net.dispose();
  return n;
}
