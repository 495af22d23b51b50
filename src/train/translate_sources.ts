/**
 * The run's last step: every usable source image (and testA's, from a reference-layout dataroot)
 * translated by the trained X->Y generator into Data/, with output_0.manifest. In a data-parallel run
 * each batch of batch_size x ranks images is split over the ranks, and rank 0 writes it all in order.
 */
import type { Parameters } from '../config/parameters.js';
import { convolutionPrecisionOf } from '../config/resolve.js';
import type { UseFailures } from '../data/use_failures.js';
import type { EventSink } from '../io/events.js';
import type { RunFolder } from '../io/run_folder.js';
import type { CycleGan } from '../model/cyclegan.js';
import { generateTranslations } from '../translate/generate.js';
import { engineTranslator } from '../translate/translator.js';
import type { DistributedContext } from './distributed_context.js';
import type { TrainingDomains } from './training_domains.js';

/** The number of images written. Files that fail to decode are recorded in `failures` and skipped. */
export async function translateSources(model: CycleGan, p: Readonly<Parameters>, domains: TrainingDomains, folder: RunFolder, emit: EventSink, dist: DistributedContext | undefined, failures: UseFailures): Promise<number> {
  const { source, test } = domains;
  const testFiles = new Set(test?.usable.map((f) => f.path));
  const translator = engineTranslator(model.generatorForUse(), p.device, false, convolutionPrecisionOf(p));
  const entries = await generateTranslations({
    files: test ? [...source.usable, ...test.usable] : source.usable,
    usageOf: (f) => (testFiles.has(f.path) ? 'test' : 'train'),
    ...(dist ? { translator: dist.shardedTranslator(translator), parameters: { ...p, batch_size: p.batch_size * dist.worldSize }, write: dist.isWriter } : { translator, parameters: p }),
    folder,
    onEvent: emit,
    onSkip: (path, reason) => failures.record(path, reason),
  });
  return entries.length;
}
