/**
 * The training run, step by step: find where it starts (fresh, resumed, or already finished), prepare
 * both domains, build the model, train the epochs (epoch_loop.ts: logs, samples, saves, checkpoints,
 * stops), then translate every source image into Data/ with output_0.manifest. Ctrl-C (an aborted
 * signal) finishes the current step and writes a checkpoint, from which the same command continues to
 * the same result as an uninterrupted run.
 */
import { ConfigError } from '../errors.js';
import type { Parameters } from '../config/parameters.js';
import { effectivePrecision } from '../config/effective_precision.js';
import { checkDevice, manualSeed, setNumThreads } from '../engine/index.js';
import { UseFailures } from '../data/use_failures.js';
import type { EventSink } from '../io/events.js';
import { openRunFolder } from '../io/open_run_folder.js';
import { runFolder, type RunFolder } from '../io/run_folder.js';
import { updateRunReport } from '../ui/report.js';
import { BatchLoader } from './batches.js';
import { Checkpointer } from './checkpointer.js';
import type { DistributedContext } from './distributed_context.js';
import { shapeOf, trainEpochs } from './epoch_loop.js';
import { EpochEvaluator } from './evaluate_epoch.js';
import { assertTrainingFits } from './memory_check.js';
import { findResumePoint } from './resume_point.js';
import { RunEvents } from './run_events.js';
import { runLogWriter } from './run_log.js';
import { writeRunParameters } from './run_parameters.js';
import { loadSamples } from './samples.js';
import { prepareTrainingDomains, writeTrainingDomainsReport } from './training_domains.js';
import { trainingModel } from './training_model.js';
import { translateSources } from './translate_sources.js';

export interface TrainOptions {
  source: string;
  target: string;
  out: string;
  parameters: Readonly<Parameters>;
  onEvent?: EventSink;
  /** Aborting finishes the current step, writes a checkpoint and returns. */
  signal?: AbortSignal;
  /** Remove a previous run's checkpoint and outputs in `out` and start over (otherwise it is continued). */
  restart?: boolean;
  /** Data-parallel training: this process is one rank of the group (see distributed_context.ts); rank 0 alone writes the run folder. */
  distributed?: DistributedContext;
}

export interface TrainResult {
  folder: RunFolder;
  completed: boolean;
  epoch: number;
  generated: number;
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  // Data-parallel ranks other than 0 neither take nor write the run folder.
  if (o.distributed && !o.distributed.isWriter) return trainInFolder(o, runFolder(o.out));
  const { folder, lock } = openRunFolder(o.out, 'train', o.onEvent ?? (() => {}), o.restart);
  try {
    return await trainInFolder(o, folder);
  } finally {
    lock.release();
  }
}

async function trainInFolder(o: TrainOptions, folder: RunFolder): Promise<TrainResult> {
  const started = Date.now();
  const events = new RunEvents(o.onEvent);
  const emit = events.emit;
  const dist = o.distributed;
  const writer = !dist || dist.isWriter;

  const start = await findResumePoint(folder, o.parameters, emit, dist);
  if (start.finished && start.progress) {
    emit({ type: 'info', message: `${folder.root} holds a finished run (epoch ${start.progress.epoch} of ${start.p.max_epoch}, Data/ and the manifest written): nothing to do. Raise --max_epoch to train further, or add --restart to start over` });
    return { folder, completed: true, epoch: start.progress.epoch, generated: 0 };
  }
  const p = effectivePrecision(start.p, (message) => emit({ type: 'warning', message }));
  if (writer) events.logTo(runLogWriter(folder.trainLog, p.log_frequency));
  if (p.predict) throw new ConfigError('predict is true: use `cyclegan predict` (or `run`) to translate with a saved model instead of training');
  setNumThreads(p.threads);
  checkDevice(p.device);
  manualSeed(p.seed);
  if (writer) writeRunParameters(folder.params, p);

  const domains = await prepareTrainingDomains(o.source, o.target, p, emit);
  if (writer) writeTrainingDomainsReport(folder.root, domains);
  assertTrainingFits(p);
  const model = await trainingModel(p, start, folder, emit, dist);
  try {
    const { source, target } = domains;
    const stepsPerEpoch = Math.ceil(Math.max(source.usable.length, target.usable.length) / (p.batch_size * (dist?.worldSize ?? 1)));
    const { progress } = start;
    const globalStep = progress?.globalStep ?? 0;
    if (progress) emit({ type: 'info', message: `resuming from ${folder.latestCheckpoint} at epoch ${progress.epoch + 1} of ${p.max_epoch}, step ${progress.stepInEpoch + 1} of ${stepsPerEpoch} (${globalStep} steps done)` });
    emit({ type: 'start', startEpoch: (progress?.epoch ?? 0) + 1, startStep: progress?.stepInEpoch ?? 0, globalStep, maxEpoch: p.max_epoch, stepsPerEpoch, resumed: progress !== null });

    const failures = new UseFailures();
    const onSkip = (message: string, path: string, reason: string) => {
      emit({ type: 'warning', message });
      failures.record(path, reason);
    };
    const end = await trainEpochs({
      model,
      p,
      folder,
      emit,
      dist,
      signal: o.signal,
      source: source.usable,
      target: target.usable,
      batches: new BatchLoader({ shape: shapeOf(p), loadScale: p.load_scale, cropMode: p.preprocess, flip: p.flip, seed: p.seed, batchSize: p.batch_size, shard: dist?.shard, onSkip }),
      samples: await loadSamples(source.usable, shapeOf(p), target.usable),
      evaluator: new EpochEvaluator(p, folder, source.usable, target.usable, emit),
      checkpointer: new Checkpointer(model, p, folder, dist),
      progress,
      stepsPerEpoch,
    });
    if (!end.completed) return { folder, completed: false, epoch: end.epoch, generated: 0 };

    const generated = await translateSources(model, p, domains, folder, emit, dist, failures);
    if (failures.size && writer) writeTrainingDomainsReport(folder.root, domains, failures);
    if (writer) updateRunReport(folder.root, emit);
    emit({ type: 'done', outDir: folder.root, generated, seconds: (Date.now() - started) / 1000 });
    return { folder, completed: true, epoch: p.max_epoch, generated };
  } finally {
    model.dispose();
  }
}
