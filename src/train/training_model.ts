/**
 * The CycleGAN a run trains: built from the parameters with the pools' random stream, then restored
 * from the checkpoint, or initialised from reference weights (`init_from`), and in a data-parallel
 * run made identical on every rank (rank 0's weights broadcast, each rank's pools handed back).
 */
import type { Parameters } from '../config/parameters.js';
import { convolutionPrecisionOf } from '../config/resolve.js';
import { restoreCheckpoint } from '../io/checkpoint.js';
import type { EventSink } from '../io/events.js';
import { initFromReference } from '../io/init_from.js';
import type { RunFolder } from '../io/run_folder.js';
import { CycleGan } from '../model/cyclegan.js';
import { cycleGanOptionsOf } from '../model/model_options.js';
import type { DistributedContext } from './distributed_context.js';
import type { ResumePoint } from './resume_point.js';
import { derivedRng, streams } from './seeds.js';

export async function trainingModel(p: Readonly<Parameters>, start: ResumePoint, folder: RunFolder, emit: EventSink, dist: DistributedContext | undefined): Promise<CycleGan> {
  // Each rank's image pool draws from its own stream (rank 0's is the single-process one).
  const poolRng = dist && !dist.isWriter ? derivedRng(p.seed, streams.pool, dist.rank) : derivedRng(p.seed, streams.pool);
  const model = new CycleGan(cycleGanOptionsOf(p, poolRng, convolutionPrecisionOf(p)));
  try {
    const { progress, checkpoint } = start;
    if (progress && checkpoint) restoreCheckpoint(model, checkpoint, progress, folder.latestCheckpoint);
    else if (p.init_from) emit({ type: 'info', message: `initialised ${Object.entries(initFromReference(model, p.init_from)).map(([net, file]) => `${net} from ${file}`).join(', ')}` });
    if (dist) {
      await dist.syncModel(model, progress?.optimizerSteps ?? { G: 0, D: 0 }, p.device);
      if (progress) await dist.scatterPools(model, checkpoint, progress, [1, p.image_channel, p.image_height, p.image_width], p.device);
    }
    const ranksNow = dist?.worldSize ?? 1;
    if (progress && (progress.worldSize ?? 1) !== ranksNow) emit({ type: 'warning', message: `resuming a checkpoint written by ${progress.worldSize ?? 1} rank(s) with ${ranksNow}: each step now covers batch_size x ${ranksNow} pairs, so the run continues differently from an uninterrupted one` });
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
