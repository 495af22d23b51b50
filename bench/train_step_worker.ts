/**
 * Our side of bench/train_step.ts, run once per case in a fresh process (once.ts) so that the peak
 * memory it reports is this case's alone: builds the CycleGAN, times `trainStep` on the case's
 * images and reports the process's memory. Twin of reference/train_step_bench.py.
 */
import * as E from '../src/engine/index.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { fromStored } from '../src/io/tensor_store.js';
import { buildModel } from './model_case.js';
import { memoryBytes, serveOnce } from './once.js';
import { sample } from './timing.js';
import type { TrainStepCase } from './train_step.js';

await serveOnce<TrainStepCase>((c, warmup, count) => {
  E.setNumThreads(c.threads);
  E.manualSeed(c.seed);
  const stored = readSafetensors(c.dataFile).tensors;
  const image = (name: string): E.Tensor => {
    const s = stored.get(name);
    if (!s) throw new Error(`${c.dataFile} lacks ${name}`);
    return fromStored(s);
  };
  const realA = image('real_A');
  const realB = image('real_B');
  const baselineRssBytes = memoryBytes('VmRSS');
  const model = buildModel(c);
  const samples = sample(() => void model.trainStep(realA, realB), warmup, count);
  return { ...samples, baselineRssBytes, peakRssBytes: memoryBytes('VmHWM'), allocator: E.allocatorStats() };
});
