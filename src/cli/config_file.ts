/**
 * What a --config file holds: either a plain object of parameters ({"max_epoch": 10}) or the
 * params.json a run wrote ({"parameters": {...}, "changed_from_default": {...}}), so a run can be
 * repeated from its own record.
 */
import { availableParallelism } from 'node:os';

export function parametersOfConfigFile(value: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(value);
  const isRunRecord =
    keys.includes('parameters') && keys.every((k) => k === 'parameters' || k === 'changed_from_default') && typeof value.parameters === 'object' && value.parameters !== null && !Array.isArray(value.parameters);
  if (!isRunRecord) return value;
  // threads was this machine's core count when the run wrote it, not a choice (changed_from_default leaves it out too).
  const { threads, ...parameters } = value.parameters as Record<string, unknown>;
  void threads;
  return { ...parameters, threads: availableParallelism() };
}
