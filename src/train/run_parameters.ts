/** The resolved parameters of a run: written to params.json, and reconciled with a checkpoint's on resume. */
import type { Parameters } from '../config/parameters.js';
import { changedParameters, defaultParameters } from '../config/resolve.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import type { EventSink } from '../io/events.js';

export function writeRunParameters(path: string, p: Readonly<Parameters>): void {
  writeFileAtomic(path, JSON.stringify({ parameters: p, changed_from_default: changedParameters(p) }, null, 2) + '\n');
}

/** Parameters that may change between an interrupted run and its continuation without changing the model. */
const ADJUSTABLE_ON_RESUME: readonly (keyof Parameters)[] = ['threads', 'device', 'log_frequency', 'save_frequency', 'max_epoch', 'do_validation', 'checkpoint_minutes', 'eval_frequency', 'eval_images'];

/**
 * Parameters whose default changed after they were introduced, with the default a run of that time
 * used: a checkpoint that predates them ran with that, not with today's default.
 */
const FORMER_DEFAULTS: Partial<Parameters> = { preprocess: 'resize_and_crop' };

/**
 * A resumed run keeps the checkpoint's parameters (the networks and data pipeline depend on them),
 * except the adjustable ones, which the new command may change. Other differences are reported.
 */
export function reconcileResumedParameters(saved: Parameters, requested: Readonly<Parameters>, emit: EventSink): Readonly<Parameters> {
  // A checkpoint from before a parameter existed ran with that parameter's default then.
  const defaults = defaultParameters();
  const out: Record<string, unknown> = { ...defaults, ...FORMER_DEFAULTS, ...saved };
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(requested) as [keyof Parameters, unknown][]) {
    if (ADJUSTABLE_ON_RESUME.includes(key)) out[key] = value;
    // Today's default, not asked for: such a run simply goes on as it began.
    else if (!(key in saved) && key in FORMER_DEFAULTS && JSON.stringify(value) === JSON.stringify(defaults[key])) continue;
    else if (JSON.stringify(out[key]) !== JSON.stringify(value)) ignored.push(`${key} (checkpoint ${JSON.stringify(out[key])}, requested ${JSON.stringify(value)})`);
  }
  if (ignored.length) {
    emit({ type: 'warning', message: `resuming from the checkpoint keeps its parameters; ignored: ${ignored.join(', ')}. Add --restart to start over in this folder with them (or use a new --out).` });
  }
  return Object.freeze(out) as unknown as Readonly<Parameters>;
}
