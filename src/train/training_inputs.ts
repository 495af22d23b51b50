/**
 * Which folders a training run reads: --source and --target, or the reference's dataset layout
 * (--dataroot D, or a --source that turns out to be one: D/trainA -> D/trainB, and D/testA translated
 * into Data/ afterwards). The choice is reported as an info event, never made silently.
 */
import { resolve } from 'node:path';
import { referenceLayoutOf, describeLayout } from '../data/reference_layout.js';
import { ConfigError } from '../errors.js';
import type { EventSink } from '../io/events.js';

export interface TrainingInputs {
  source: string;
  target: string;
  /** Extra images to translate into Data/ after training, marked usage 'test' in the manifest. */
  test?: string;
}

export function trainingInputs(source: string, target: string, dataroot: string, emit: EventSink): TrainingInputs {
  if (dataroot) {
    const layout = referenceLayoutOf(dataroot);
    if (!layout) throw new ConfigError(`Expected a folder with trainA/ and trainB/ for dataroot (the reference's dataset layout) but received '${dataroot}'; give --source and --target folders instead.`);
    if (source || target) throw new ConfigError(`dataroot ${dataroot} names both domains already; leave out --source and --target (or leave out --dataroot).`);
    emit({ type: 'info', message: describeLayout(layout, 'is read as the reference dataset layout') });
    return { source: layout.trainA, target: layout.trainB, test: layout.testA };
  }
  const layout = source ? referenceLayoutOf(source) : null;
  if (layout) {
    const sameOrB = !target || resolve(target) === layout.root || resolve(target) === layout.trainB;
    if (!sameOrB) {
      throw new ConfigError(
        `--source ${source} is the reference's dataset layout (trainA/, trainB/), which holds both domains, but --target ${target} names another folder. ` +
          `Give --dataroot ${source} alone, or --source ${layout.trainA} --target ${target}.`,
      );
    }
    emit({ type: 'info', message: describeLayout(layout, 'has the reference dataset layout (trainA/, trainB/), so instead of reading its folders as classes it is used as --dataroot') });
    return { source: layout.trainA, target: layout.trainB, test: layout.testA };
  }
  return { source, target };
}
