/**
 * --restart: start a run over in a folder that holds one. Without it a folder with a checkpoint is
 * continued (the same command resumes); with it the previous run's outputs are removed first. Only the
 * files a run writes are removed, never anything else in the folder.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunFolder } from './run_folder.js';

/** Removes what a previous run wrote into `folder`; returns what was there. */
export function removePreviousRun(folder: RunFolder): string[] {
  const written = [folder.checkpoints, folder.model, folder.samples, folder.data, folder.logs, folder.manifest, folder.validationReport, folder.params, join(folder.root, 'report.html')];
  const present = written.filter((p) => existsSync(p));
  for (const p of present) rmSync(p, { recursive: true, force: true });
  return present;
}
