/**
 * A run is finished when its checkpoint has reached max_epoch and Data/ with its manifest was written
 * after it. Running the same command again then does nothing (it used to translate everything again);
 * a checkpoint at max_epoch without the manifest means the translation was interrupted, and is redone.
 */
import { statSync } from 'node:fs';
import type { Parameters } from '../config/parameters.js';
import type { TrainingProgress } from '../io/checkpoint.js';
import type { RunFolder } from '../io/run_folder.js';

export function runIsFinished(folder: RunFolder, progress: TrainingProgress, p: Readonly<Parameters>): boolean {
  if (progress.epoch < p.max_epoch || progress.stepInEpoch !== 0) return false;
  try {
    return statSync(folder.manifest).mtimeMs >= statSync(folder.latestCheckpoint).mtimeMs;
  } catch {
    return false;
  }
}
