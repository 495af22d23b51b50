/**
 * Our side of bench/quality_parity.ts, one training run in a process of its own: the product's own
 * `train()` on the benchmark's folders, with the case's parameters, exactly as `cyclegan train`
 * runs it (data order, augmentation, pool, schedule and all). Twin of reference/quality_parity_train.py.
 */
import { join } from 'node:path';
import { resolveParameters } from '../src/config/resolve.js';
import { train } from '../src/train/trainer.js';
import { serveOnce } from './once.js';
import type { ParityRunCase } from './quality_parity.js';

await serveOnce<ParityRunCase>(async (c) => {
  const parameters = resolveParameters({
    image_height: c.size,
    image_width: c.size,
    ngf: c.ngf,
    ndf: c.ndf,
    n_blocks: c.n_blocks,
    g_learning_rate: c.g_lr,
    d_learning_rate: c.d_lr,
    max_epoch: c.epochs,
    save_frequency: c.epochs,
    log_frequency: 1000,
    seed: c.seed,
    threads: c.threads,
    pool_size: c.pool_size,
    flip: c.flip,
    load_scale: c.load_scale,
    ...c.extra,
  });
  const started = performance.now();
  const result = await train({ source: c.source, target: c.target, out: c.out, parameters });
  if (!result.completed) throw new Error(`the run in ${c.out} did not complete`);
  return { weights: join(c.out, 'model', `CycleGan_epoch_${c.epochs}.safetensors`), seconds: (performance.now() - started) / 1000 };
});
