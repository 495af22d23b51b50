/**
 * The epochs of a run: each sets the learning rates, trains its pairs step by step, then writes the
 * epoch's samples, saves every save_frequency epochs and evaluates. After every step the run stops
 * (Ctrl-C, SIGTERM: an aborted signal) or writes a checkpoint when one is due, both resumable at
 * exactly that step. Data-parallel ranks agree on both after each step, so they act together.
 */
import { setImmediate as nextEventLoopTurn } from 'node:timers/promises';
import type { Parameters } from '../config/parameters.js';
import type { ScannedFile } from '../data/scan.js';
import { tensor, tidy } from '../engine/index.js';
import type { TrainingProgress } from '../io/checkpoint.js';
import type { EventSink } from '../io/events.js';
import type { RunFolder } from '../io/run_folder.js';
import type { CycleGan, Losses } from '../model/cyclegan.js';
import { updateRunReport } from '../ui/report.js';
import { epochPairs, type Batch, type BatchLoader } from './batches.js';
import { CheckpointTimer } from './checkpoint_timer.js';
import type { Checkpointer } from './checkpointer.js';
import type { DistributedContext } from './distributed_context.js';
import type { EpochEvaluator } from './evaluate_epoch.js';
import { writeSamples, type SampleImages } from './samples.js';
import { saveModelFiles } from './save_model.js';
import { learningRateFactor } from './schedule.js';
import { LossMeans, StepReport } from './step_report.js';

export interface EpochLoop {
  model: CycleGan;
  p: Readonly<Parameters>;
  folder: RunFolder;
  emit: EventSink;
  dist: DistributedContext | undefined;
  signal: AbortSignal | undefined;
  source: readonly ScannedFile[];
  target: readonly ScannedFile[];
  batches: BatchLoader;
  samples: SampleImages;
  evaluator: EpochEvaluator;
  checkpointer: Checkpointer;
  /** Where a resumed run continues; null for a fresh one. */
  progress: TrainingProgress | null;
  stepsPerEpoch: number;
}

/** Completed, or stopped with `epoch` epochs fully done (a checkpoint holds where exactly). */
export type LoopEnd = { completed: true } | { completed: false; epoch: number };

export async function trainEpochs(l: EpochLoop): Promise<LoopEnd> {
  const { model, p, folder, emit, dist, progress, stepsPerEpoch } = l;
  const report = new StepReport(emit, p.log_frequency);
  const timer = new CheckpointTimer(p.checkpoint_minutes);
  let globalStep = progress?.globalStep ?? 0;
  let stopping = false;
  // A checkpoint records completed epochs plus steps done in the next one; training continues right there.
  for (let epoch = (progress?.epoch ?? 0) + 1; epoch <= p.max_epoch; epoch++) {
    const factor = learningRateFactor(epoch, p);
    model.setLearningRates(p.g_learning_rate * factor, p.d_learning_rate * factor);
    const startStep = progress && progress.epoch + 1 === epoch ? progress.stepInEpoch : 0;
    const steps = Array.from({ length: stepsPerEpoch - startStep }, (_, i) => startStep + i);
    const prefetcher = l.batches.epoch(epoch, epochPairs(p.seed, epoch, l.source, l.target), steps);
    const epochStarted = Date.now();
    const means = new LossMeans();
    for (let next = await prefetcher.next(); next; next = await prefetcher.next()) {
      const step = next.index;
      const t0 = performance.now();
      const losses = await trainStep(model, next.value, p, dist);
      if (losses) {
        globalStep++;
        means.add(losses);
        report.record({ epoch, maxEpoch: p.max_epoch, step, stepsPerEpoch, globalStep }, model, losses, next.value.n, (performance.now() - t0) / 1000);
      }
      // Batches served from the decoded cache resolve without a trip through the event loop: without this turn a
      // signal handler (Ctrl-C, SIGTERM) would only run at the end of the epoch.
      await nextEventLoopTurn();
      // Ranks act on a stop or a due checkpoint together: any rank's request holds for all.
      let due: boolean;
      [stopping, due] = dist ? await dist.agreeAny([l.signal?.aborted ?? false, timer.due()]) : [l.signal?.aborted ?? false, timer.due()];
      if ((stopping || due) && step + 1 < stepsPerEpoch) {
        await l.checkpointer.save({ epoch: epoch - 1, stepInEpoch: step + 1, globalStep });
        if (stopping) {
          emit({ type: 'interrupted', epoch, stepInEpoch: step + 1, checkpoint: folder.latestCheckpoint });
          return { completed: false, epoch: epoch - 1 };
        }
        timer.reset();
        emit({ type: 'saved', epoch, stepInEpoch: step + 1, files: [folder.latestCheckpoint] });
      }
    }
    emit({ type: 'epoch', epoch, maxEpoch: p.max_epoch, seconds: (Date.now() - epochStarted) / 1000, meanLosses: means.means() });
    if (l.checkpointer.writes) await writeSamples(model, l.samples, shapeOf(p), epoch, folder, p.device);
    const last = epoch === p.max_epoch;
    if (!dist) stopping = l.signal?.aborted ?? false;
    if (epoch % p.save_frequency === 0 || last || stopping) {
      const files = await l.checkpointer.save({ epoch, stepInEpoch: 0, globalStep }, () => saveModelFiles(model, p, epoch, folder));
      if (l.checkpointer.writes) {
        emit({ type: 'saved', epoch, files });
        updateRunReport(folder.root, emit);
      }
      timer.reset();
    }
    if (!dist) await l.evaluator.afterEpoch(model, epoch, l.signal);
    // Data-parallel runs: rank 0 evaluates while the others wait for it, longer than a collective would.
    else if (!stopping && l.evaluator.isDue(epoch)) await dist.writerAlone(`eval/${epoch}`, `evaluating epoch ${epoch}`, () => l.evaluator.afterEpoch(model, epoch, l.signal));
    if (stopping && !last) {
      emit({ type: 'interrupted', epoch: epoch + 1, stepInEpoch: 0, checkpoint: folder.latestCheckpoint });
      return { completed: false, epoch };
    }
  }
  return { completed: true };
}

export function shapeOf(p: Readonly<Parameters>): { channels: Parameters['image_channel']; height: number; width: number } {
  return { channels: p.image_channel, height: p.image_height, width: p.image_width };
}

/** One optimisation step on a batch; null when every pair of the batch failed to load. */
async function trainStep(model: CycleGan, batch: Batch, p: Readonly<Parameters>, dist: DistributedContext | undefined): Promise<Losses | null> {
  const shape = shapeOf(p);
  if (dist) return dist.trainStep(model, batch, shape, p.device);
  if (batch.n === 0) return null;
  const dims = [batch.n, shape.channels, shape.height, shape.width];
  return tidy(() => model.trainStep(tensor(batch.a, dims, { device: p.device }), tensor(batch.b, dims, { device: p.device })));
}
