/**
 * Where a run starts: from nothing, or from the run folder's checkpoint, with the parameters it was
 * trained with (reconciled with what the user passes now). A run that has already finished is
 * recognised here so that running the same command again does nothing.
 */
import { existsSync } from 'node:fs';
import type { Parameters } from '../config/parameters.js';
import { readCheckpoint, type TrainingProgress } from '../io/checkpoint.js';
import type { EventSink } from '../io/events.js';
import type { RunFolder } from '../io/run_folder.js';
import type { SafetensorsFile } from '../io/safetensors.js';
import type { DistributedContext } from './distributed_context.js';
import { runIsFinished } from './finished_run.js';
import { truncateRunLog } from './run_log.js';
import { reconcileResumedParameters } from './run_parameters.js';

export interface ResumePoint {
  p: Readonly<Parameters>;
  /** Null for a fresh run. */
  progress: TrainingProgress | null;
  /** The checkpoint's tensors (rank 0 only). */
  checkpoint: SafetensorsFile | null;
  finished: boolean;
}

export async function findResumePoint(folder: RunFolder, parameters: Readonly<Parameters>, emit: EventSink, dist: DistributedContext | undefined): Promise<ResumePoint> {
  let point: ResumePoint = { p: parameters, progress: null, checkpoint: null, finished: false };
  if ((!dist || dist.isWriter) && existsSync(folder.latestCheckpoint)) {
    const { file, meta } = readCheckpoint(folder.latestCheckpoint);
    const p = reconcileResumedParameters(meta.parameters, parameters, emit);
    const finished = runIsFinished(folder, meta.progress, p);
    // The log is cut back to the checkpoint's step, so the steps trained again are not logged twice.
    if (!finished) truncateRunLog(folder.trainLog, meta.progress.globalStep);
    point = { p, progress: meta.progress, checkpoint: file, finished };
  }
  if (!dist) return point;
  // The other ranks train with rank 0's parameters and resume where rank 0's checkpoint says.
  const agreed = await dist.agree('run', { p: point.p, progress: point.progress, finished: point.finished });
  return { ...point, ...agreed };
}
