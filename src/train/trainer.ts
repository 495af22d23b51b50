/**
 * The training run: prepare both domains, build (or resume) the CycleGAN, train for max_epoch epochs
 * writing logs, samples, models and checkpoints, then translate every source image into Data/ with
 * output_0.manifest. Ctrl-C (an aborted signal) finishes the current step and writes a checkpoint,
 * from which the same command continues to the same result as an uninterrupted run.
 */
import { existsSync } from 'node:fs';
import { setImmediate as nextEventLoopTurn } from 'node:timers/promises';
import { ConfigError } from '../errors.js';
import { checkDevice, manualSeed, setNumThreads, tensor, tidy } from '../engine/index.js';
import type { DistributedContext } from './distributed_context.js';
import type { Parameters } from '../config/parameters.js';
import { convolutionPrecisionOf } from '../config/resolve.js';
import { Rng, type RngState } from '../data/rng.js';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint, type TrainingProgress } from '../io/checkpoint.js';
import { CycleGan, lossNames, type Losses } from '../model/cyclegan.js';
import { cycleGanOptionsOf } from '../model/model_options.js';
import { initFromReference } from '../io/init_from.js';
import { trainingInputs } from './training_inputs.js';
import { generateTranslations } from '../translate/generate.js';
import { engineTranslator } from '../translate/translator.js';
import { BatchLoader, epochPairs } from './batches.js';
import type { EventSink } from '../io/events.js';
import { prepareDomain, writeDomainReport } from '../data/domain.js';
import { writeRunParameters, reconcileResumedParameters } from './run_parameters.js';
import { runFolder, type RunFolder } from '../io/run_folder.js';
import { effectivePrecision } from '../config/effective_precision.js';
import { assertTrainingFits } from './memory_check.js';
import { CheckpointTimer } from './checkpoint_timer.js';
import { openRunFolder } from '../io/open_run_folder.js';
import { runIsFinished } from './finished_run.js';
import { runLogWriter, truncateRunLog } from './run_log.js';
import { UseFailures } from '../data/use_failures.js';
import { saveModelFiles } from './save_model.js';
import { EpochEvaluator } from './evaluate_epoch.js';
import { loadSamples, writeSamples } from './samples.js';
import { learningRateFactor } from './schedule.js';
import { derivedRng, streams } from './seeds.js';
import { updateRunReport } from '../ui/report.js';

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
  const toTerminal: EventSink = o.onEvent ?? (() => {});
  let toLog: EventSink = () => {};
  // One stream of events for the caller and for logs/train.jsonl.
  const emit: EventSink = (event) => {
    toLog(event);
    toTerminal(event);
  };

  const dist = o.distributed;
  const writer = !dist || dist.isWriter;
  let p = o.parameters;
  let progress: TrainingProgress | null = null;
  let checkpointFile = null;
  let finished = false;
  if (writer && existsSync(folder.latestCheckpoint)) {
    const { file, meta } = readCheckpoint(folder.latestCheckpoint);
    p = reconcileResumedParameters(meta.parameters, o.parameters, emit);
    progress = meta.progress;
    checkpointFile = file;
    finished = runIsFinished(folder, progress, p);
    if (!finished) truncateRunLog(folder.trainLog, progress.globalStep);
  }
  // The other ranks train with rank 0's parameters and resume where rank 0's checkpoint says.
  if (dist) ({ p, progress, finished } = await dist.agree('run', { p, progress, finished }));
  if (finished && progress) {
    emit({ type: 'info', message: `${folder.root} holds a finished run (epoch ${progress.epoch} of ${p.max_epoch}, Data/ and the manifest written): nothing to do. Raise --max_epoch to train further, or add --restart to start over` });
    return { folder, completed: true, epoch: progress.epoch, generated: 0 };
  }
  p = effectivePrecision(p, (message) => emit({ type: 'warning', message }));
  if (writer) toLog = runLogWriter(folder.trainLog, p.log_frequency);
  if (p.predict) throw new ConfigError('predict is true: use `cyclegan predict` (or `run`) to translate with a saved model instead of training');
  setNumThreads(p.threads);
  checkDevice(p.device);
  manualSeed(p.seed);
  if (writer) writeRunParameters(folder.params, p);

  const inputs = trainingInputs(o.source, o.target, p.dataroot, emit);
  const source = await prepareDomain('source', inputs.source, p.do_validation, emit);
  const target = await prepareDomain('target', inputs.target, p.do_validation, emit);
  const test = inputs.test ? await prepareDomain('testA', inputs.test, p.do_validation, emit) : null;
  if (writer) writeDomainReport(folder.root, test ? [source, target, test] : [source, target]);

  assertTrainingFits(p);
  // Each rank's image pool draws from its own stream (rank 0's is the single-process one).
  let poolRng = progress && writer ? Rng.fromState(progress.rng as RngState) : dist && !writer ? derivedRng(p.seed, streams.pool, dist.rank) : derivedRng(p.seed, streams.pool);
  const model = new CycleGan(cycleGanOptionsOf(p, () => poolRng.next(), convolutionPrecisionOf(p)));
  try {
    if (progress && checkpointFile) restoreCheckpoint(model, checkpointFile, progress, folder.latestCheckpoint);
    else if (p.init_from) emit({ type: 'info', message: `initialised ${Object.entries(initFromReference(model, p.init_from)).map(([net, file]) => `${net} from ${file}`).join(', ')}` });
    if (dist) await dist.syncModel(model, progress?.optimizerSteps ?? { G: 0, D: 0 }, p.device);
    const poolImage = [1, p.image_channel, p.image_height, p.image_width];
    if (dist && progress) {
      const restored = await dist.scatterPools(model, checkpointFile, progress, poolImage, p.device);
      if (restored) poolRng = Rng.fromState(restored);
    }
    const ranksNow = dist?.worldSize ?? 1;
    if (progress && (progress.worldSize ?? 1) !== ranksNow) emit({ type: 'warning', message: `resuming a checkpoint written by ${progress.worldSize ?? 1} rank(s) with ${ranksNow}: each step now covers batch_size x ${ranksNow} pairs, so the run continues differently from an uninterrupted one` });

    const shape = { channels: p.image_channel, height: p.image_height, width: p.image_width };
    const sampleSources = await loadSamples(source.usable, shape, target.usable);
    const itemsPerEpoch = Math.max(source.usable.length, target.usable.length);
    const stepsPerEpoch = Math.ceil(itemsPerEpoch / (p.batch_size * ranksNow));
    // A checkpoint records completed epochs plus steps done in the next one; training continues right there.
    const firstEpoch = (progress?.epoch ?? 0) + 1;
    let globalStep = progress?.globalStep ?? 0;
    const resumeStep = progress?.stepInEpoch ?? 0;
    if (progress) emit({ type: 'info', message: `resuming from ${folder.latestCheckpoint} at epoch ${firstEpoch} of ${p.max_epoch}, step ${resumeStep + 1} of ${stepsPerEpoch} (${globalStep} steps done)` });
    emit({ type: 'start', startEpoch: firstEpoch, startStep: resumeStep, globalStep, maxEpoch: p.max_epoch, stepsPerEpoch, resumed: progress !== null });

    const failures = new UseFailures();
    const onSkip = (message: string, path: string, reason: string) => {
      emit({ type: 'warning', message });
      failures.record(path, reason);
    };
    const batches = new BatchLoader({ shape, loadScale: p.load_scale, cropMode: p.preprocess, flip: p.flip, seed: p.seed, batchSize: p.batch_size, shard: dist?.shard, onSkip });
    const checkpointTimer = new CheckpointTimer(p.checkpoint_minutes);

    const evaluator = new EpochEvaluator(p, folder, source.usable, target.usable, emit);
    if (dist && p.eval_images > 0 && writer) emit({ type: 'warning', message: 'metrics during training are not computed in data-parallel runs yet; evaluate saved models with cyclegan eval' });
    const timing = { steps: 0, seconds: 0 };
    let stopping = false;
    for (let epoch = firstEpoch; epoch <= p.max_epoch; epoch++) {
      const factor = learningRateFactor(epoch, p);
      model.setLearningRates(p.g_learning_rate * factor, p.d_learning_rate * factor);
      const pairs = epochPairs(p.seed, epoch, source.usable, target.usable);
      const startStep = progress && progress.epoch + 1 === epoch ? progress.stepInEpoch : 0;
      const steps = Array.from({ length: stepsPerEpoch - startStep }, (_, i) => startStep + i);
      const prefetcher = batches.epoch(epoch, pairs, steps);
      const epochStarted = Date.now();
      const sums = Object.fromEntries(lossNames.map((n) => [n, 0])) as Losses;
      let counted = 0;
      for (let next = await prefetcher.next(); next; next = await prefetcher.next()) {
        const step = next.index;
        const batch = next.value;
        const t0 = performance.now();
        const dims: [number, number, number, number] = [batch.n, shape.channels, shape.height, shape.width];
        const losses = dist ? await dist.trainStep(model, batch, shape, p.device) : batch.n > 0 ? tidy(() => model.trainStep(tensor(batch.a, dims, { device: p.device }), tensor(batch.b, dims, { device: p.device }))) : null;
        if (losses) {
          const seconds = (performance.now() - t0) / 1000;
          timing.steps++;
          timing.seconds += seconds;
          for (const n of lossNames) sums[n] += losses[n];
          counted++;
          globalStep++;
          emit({ type: 'tick', epoch, maxEpoch: p.max_epoch, step: step + 1, stepsPerEpoch, secondsPerStep: timing.seconds / timing.steps, lrG: model.optimizerG.lr, losses });
          if (globalStep % p.log_frequency === 0) {
            const perStep = timing.seconds / timing.steps;
            const stepsLeft = stepsPerEpoch - step - 1 + (p.max_epoch - epoch) * stepsPerEpoch;
            const event = {
              type: 'step' as const,
              epoch,
              maxEpoch: p.max_epoch,
              step: step + 1,
              stepsPerEpoch,
              globalStep,
              losses,
              lrG: model.optimizerG.lr,
              lrD: model.optimizerD.lr,
              secondsPerStep: perStep,
              imagesPerSecond: (batch.n * 2) / perStep,
              etaSeconds: perStep * stepsLeft,
            };
            emit(event);
          }
        }
        // Batches served from the decoded cache resolve without a trip through the event loop: without this turn a
        // signal handler (Ctrl-C, SIGTERM) would only run at the end of the epoch.
        await nextEventLoopTurn();
        // Ranks act on a stop or a due checkpoint together: any rank's request holds for all.
        let due: boolean;
        [stopping, due] = dist ? await dist.agreeAny([o.signal?.aborted ?? false, checkpointTimer.due()]) : [o.signal?.aborted ?? false, checkpointTimer.due()];
        if (due && !stopping && step + 1 < stepsPerEpoch) {
          const pools = dist ? await dist.gatherPools(model, poolRng, poolImage, p.device) : undefined;
          if (writer) saveCheckpoint(folder.latestCheckpoint, model, p, progressOf(epoch - 1, step + 1, globalStep, poolRng, model, pools?.rankRng), pools?.tensors);
          pools?.dispose();
          checkpointTimer.reset();
          emit({ type: 'saved', epoch, stepInEpoch: step + 1, files: [folder.latestCheckpoint] });
        }
        if (stopping && step + 1 < stepsPerEpoch) {
          const pools = dist ? await dist.gatherPools(model, poolRng, poolImage, p.device) : undefined;
          if (writer) saveCheckpoint(folder.latestCheckpoint, model, p, progressOf(epoch - 1, step + 1, globalStep, poolRng, model, pools?.rankRng), pools?.tensors);
          pools?.dispose();
          emit({ type: 'interrupted', epoch, stepInEpoch: step + 1, checkpoint: folder.latestCheckpoint });
          return { folder, completed: false, epoch: epoch - 1, generated: 0 };
        }
      }
      const meanLosses = Object.fromEntries(lossNames.map((n) => [n, counted ? sums[n] / counted : 0])) as Losses;
      emit({ type: 'epoch', epoch, maxEpoch: p.max_epoch, seconds: (Date.now() - epochStarted) / 1000, meanLosses });
      if (writer) await writeSamples(model, sampleSources, shape, epoch, folder, p.device);
      const last = epoch === p.max_epoch;
      if (!dist) stopping = o.signal?.aborted ?? false;
      const saving = epoch % p.save_frequency === 0 || last || stopping;
      const pools = saving && dist ? await dist.gatherPools(model, poolRng, poolImage, p.device) : undefined;
      if (saving && writer) {
        const files = await saveModelFiles(model, p, epoch, folder);
        saveCheckpoint(folder.latestCheckpoint, model, p, progressOf(epoch, 0, globalStep, poolRng, model, pools?.rankRng), pools?.tensors);
        emit({ type: 'saved', epoch, files: [...files, folder.latestCheckpoint] });
        updateRunReport(folder.root, emit);
      }
      pools?.dispose();
      if (saving) checkpointTimer.reset();
      // Data-parallel runs skip the metrics: rank 0 would evaluate alone while the others wait at their next collective.
      if (!dist) await evaluator.afterEpoch(model, epoch, o.signal);
      if (stopping && !last) {
        emit({ type: 'interrupted', epoch: epoch + 1, stepInEpoch: 0, checkpoint: folder.latestCheckpoint });
        return { folder, completed: false, epoch, generated: 0 };
      }
    }

    const testFiles = new Set(test?.usable.map((f) => f.path));
    const toTranslate = test ? [...source.usable, ...test.usable] : source.usable;
    const translator = engineTranslator(model.netG_A, p.device, false, convolutionPrecisionOf(p));
    const entries = await generateTranslations({
      files: toTranslate,
      usageOf: (f) => (testFiles.has(f.path) ? 'test' : 'train'),
      // Data-parallel: each batch of batch_size x ranks images is split over the ranks; rank 0 writes it all.
      ...(dist ? { translator: dist.shardedTranslator(translator), parameters: { ...p, batch_size: p.batch_size * dist.worldSize }, write: writer } : { translator, parameters: p }),
      folder,
      onEvent: emit,
      onSkip: (path, reason) => failures.record(path, reason),
    });
    if (failures.size && writer) writeDomainReport(folder.root, (test ? [source, target, test] : [source, target]).map((d) => ({ ...d, result: failures.applyTo(d.result) })));
    if (writer) updateRunReport(folder.root, emit);
    emit({ type: 'done', outDir: folder.root, generated: entries.length, seconds: (Date.now() - started) / 1000 });
    return { folder, completed: true, epoch: p.max_epoch, generated: entries.length };
  } finally {
    model.dispose();
  }
}

function progressOf(epoch: number, stepInEpoch: number, globalStep: number, rng: Rng, model: CycleGan, rankRng?: RngState[]): TrainingProgress {
  const ranks = rankRng ? { worldSize: rankRng.length, rankRng } : {};
  return { epoch, stepInEpoch, globalStep, rng: rng.state(), optimizerSteps: { G: model.optimizerG.stepCount, D: model.optimizerD.stepCount }, ...ranks };
}
