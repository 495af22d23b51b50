/**
 * One case of bench/pipeline.ts, in a fresh process (once.ts) so that OPENBLAS_NUM_THREADS takes
 * effect and no case inherits another's memory: builds the train-step benchmark's CycleGAN, then
 * times training steps in rotating blocks of three kinds on the same model:
 *  - cold: the trainer's real loop (its BatchLoader: read, decode, resize, random crop, flip,
 *    prefetching) with every image decoded from its file, as in the first epoch, or in any epoch
 *    when the dataset is larger than the decoded-image cache;
 *  - warm: the same loop once the cache holds every image, as in the later epochs on the demo data;
 *  - memory: the same loop over batches decoded up front, so no step waits on decoding.
 * All three train on the same batches in the same order (epoch 1's steps), so that only where a
 * batch comes from differs. Each kind runs as one epoch: its prefetcher stays open from block to
 * block, the loads it started waiting (as they would during a step) while other kinds run.
 * Each timed step runs from asking for its batch to the end of the optimizer updates.
 */
import type { ImageShape } from '../src/data/decode.js';
import { scanInput } from '../src/data/scan.js';
import * as E from '../src/engine/index.js';
import { CycleGan } from '../src/model/cyclegan.js';
import { BatchLoader, epochPairs, type Batch } from '../src/train/batches.js';
import { buildModel } from './model_case.js';
import { memoryBytes, serveOnce } from './once.js';
import { KINDS, type KindId, type PipelineCase, type PipelineProcessResult, type StepSamples } from './pipeline.js';

/** The trainer's step on one batch, as trainer.ts runs it. */
function trainOn(model: CycleGan, batch: Batch, shape: ImageShape): void {
  const dims = [batch.n, shape.channels, shape.height, shape.width];
  E.tidy(() => void model.trainStep(E.tensor(batch.a, dims), E.tensor(batch.b, dims)));
}

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

await serveOnce<PipelineCase>(async (c) => {
  E.setNumThreads(c.threads);
  E.manualSeed(c.seed);
  const shape: ImageShape = { channels: c.channels, height: c.size, width: c.size };
  const source = (await scanInput(c.source)).files;
  const target = (await scanInput(c.target)).files;
  const skipped: string[] = [];
  const options = { shape, loadScale: c.loadScale, flip: c.flip, seed: c.seed, batchSize: 1, onSkip: (m: string) => skipped.push(m) };
  const coldLoader = new BatchLoader({ ...options, cacheBytes: 0 });
  const warmLoader = new BatchLoader(options);
  const pairs = epochPairs(c.seed, 1, source, target);
  const stepsPerKind = c.warmup + c.blocks * c.count;
  if (stepsPerKind > pairs.length) throw new Error(`pipeline case needs ${stepsPerKind} steps but an epoch of the data has ${pairs.length}`);
  const steps = Array.from({ length: stepsPerKind }, (_, i) => i);

  // A pass over the whole epoch fills the warm loader's cache with every image; its first batches are the memory kind's.
  const inMemory: Batch[] = [];
  for (let step = 0; step < pairs.length; step++) {
    const batch = await warmLoader.load(1, pairs, step);
    if (step < stepsPerKind) inMemory.push(batch);
  }
  if (warmLoader.cache.size !== source.length + target.length) throw new Error(`the cache holds ${warmLoader.cache.size} of ${source.length + target.length} images`);

  const model = buildModel(c);

  const prefetched = (loader: BatchLoader): (() => Promise<Batch>) => {
    const prefetcher = loader.epoch(1, pairs, steps);
    return async () => {
      const got = await prefetcher.next();
      if (!got) throw new Error('the prefetcher ran out of batches');
      return got.value;
    };
  };
  let memoryStep = 0;
  const nextBatch: Record<KindId, () => Promise<Batch>> = {
    cold: prefetched(coldLoader),
    warm: prefetched(warmLoader),
    memory: async () => inMemory[memoryStep++]!,
  };
  const samples = Object.fromEntries(KINDS.map((k) => [k.id, { seconds: [], waitSeconds: [], cpuSeconds: [] }])) as unknown as Record<KindId, StepSamples>;

  /** `n` steps of one kind, recorded unless `timed` is false. */
  const run = async (kind: KindId, n: number, timed: boolean): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const cpu0 = cpuSeconds();
      const t0 = process.hrtime.bigint();
      const batch = await nextBatch[kind]();
      const t1 = process.hrtime.bigint();
      trainOn(model, batch, shape);
      const t2 = process.hrtime.bigint();
      if (!timed) continue;
      samples[kind].seconds.push(Number(t2 - t0) / 1e9);
      samples[kind].waitSeconds.push(Number(t1 - t0) / 1e9);
      samples[kind].cpuSeconds.push(cpuSeconds() - cpu0);
    }
  };

  const baselineRssBytes = memoryBytes('VmRSS');
  try {
    // Untimed: the model's first steps, and the start of each epoch (PipelineCase.warmup).
    for (const { id } of KINDS) await run(id, c.warmup, false);
    for (let round = 0; round < c.blocks; round++) {
      // In order, then reversed, and so on: no kind always follows the same one, and drift and bursts of other load land on all.
      for (const { id } of round % 2 === 0 ? KINDS : [...KINDS].reverse()) await run(id, c.count, true);
    }
  } finally {
    model.dispose();
  }
  const result: PipelineProcessResult = {
    kinds: samples,
    cachedImages: warmLoader.cache.size,
    cachedBytes: warmLoader.cache.bytes,
    skipped,
    baselineRssBytes,
    peakRssBytes: memoryBytes('VmHWM'),
  };
  return result;
});
