/**
 * The run folder's files that the dashboard shows besides the log: sample sheets, exported models,
 * params.json and validation_report.json. Files written by a running training are read as they are;
 * a half-written or hostile JSON file shows as missing instead of failing the page.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { ParamsInfo, RunFiles } from './shared/wire.js';

/** The folders the server serves files from, and which names it serves from each. */
export const SERVED_FOLDERS = {
  samples: /^[A-Za-z0-9][A-Za-z0-9._-]*\.(jpe?g|png)$/i,
  model: /^[A-Za-z0-9][A-Za-z0-9._-]*\.onnx$/i,
} as const;
export type ServedFolder = keyof typeof SERVED_FOLDERS;

function listNames(root: string, folder: ServedFolder): string[] {
  try {
    return readdirSync(join(root, folder)).filter((n) => SERVED_FOLDERS[folder].test(n));
  } catch {
    return [];
  }
}

/** model/CycleGan_epoch_N.onnx sorts by N, so the newest model is the last one. */
function byEpochNumber(a: string, b: string): number {
  const n = (s: string) => Number(/(\d+)\.onnx$/i.exec(s)?.[1] ?? -1);
  return n(a) - n(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function readJsonObject(path: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function readParams(root: string): ParamsInfo | null {
  const json = readJsonObject(join(root, 'params.json'));
  const parameters = json?.parameters;
  if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters)) return null;
  const changed = json.changed_from_default;
  // params.json holds the changed values as an object; a list of names is accepted too.
  const names = Array.isArray(changed) ? changed.filter((n) => typeof n === 'string') : changed && typeof changed === 'object' ? Object.keys(changed) : [];
  return { parameters: parameters as Record<string, unknown>, changed: names };
}

function readValidation(root: string): Record<string, unknown> | null {
  const domains = readJsonObject(join(root, 'validation_report.json'))?.domains;
  return domains && typeof domains === 'object' && !Array.isArray(domains) ? (domains as Record<string, unknown>) : null;
}

/** Names the server would serve: a symlink out of the folder is not listed either. */
function servedNames(root: string, folder: ServedFolder): string[] {
  return listNames(root, folder).filter((name) => resolveServedFile(root, folder, name) !== null);
}

export function readRunFiles(root: string): RunFiles {
  return {
    samples: servedNames(root, 'samples').sort(),
    models: servedNames(root, 'model').sort(byEpochNumber),
    params: readParams(root),
    validation: readValidation(root),
  };
}

/** Changes when any file the page shows changes; cheap enough to compute every second. */
export function runFilesSignature(root: string): string {
  const parts: string[] = [];
  for (const name of ['params.json', 'validation_report.json']) {
    try {
      const s = statSync(join(root, name));
      parts.push(`${name}:${s.mtimeMs}:${s.size}`);
    } catch {
      parts.push(`${name}:-`);
    }
  }
  for (const folder of Object.keys(SERVED_FOLDERS) as ServedFolder[]) parts.push(`${folder}:${listNames(root, folder).sort().join('/')}`);
  return parts.join('|');
}

/**
 * The real path of `root/folder/name`, or null unless it is a regular file whose real path (symlinks
 * resolved) lies inside the run folder's real path. `name` must be a plain file name of the folder's
 * kind: a decoded separator, `..`, NUL or anything else the pattern does not allow gives null.
 */
export function resolveServedFile(root: string, folder: ServedFolder, name: string): string | null {
  if (!SERVED_FOLDERS[folder].test(name) || name.includes('..')) return null;
  try {
    const realRoot = realpathSync(root);
    const real = realpathSync(join(root, folder, name));
    if (!real.startsWith(realRoot + sep)) return null;
    return statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}
