/** Refusing a training run that cannot fit in memory, before any network is allocated (see memory_estimate.ts). */
import { ConfigError } from '../errors.js';
import type { Parameters } from '../config/parameters.js';
import { availableMemoryBytes, gibibytes, trainingMemoryBytes } from '../model/memory_estimate.js';

export function assertTrainingFits(p: Readonly<Parameters>, available = availableMemoryBytes()): void {
  const needed = trainingMemoryBytes(p);
  if (needed <= available) return;
  throw new ConfigError(
    `training with ngf ${p.ngf}, ndf ${p.ndf}, n_blocks ${p.n_blocks} at ${p.image_height}x${p.image_width}, batch ${p.batch_size} needs about ${gibibytes(needed)} of memory; ` +
      `this machine has ${gibibytes(available)}. Lower ngf, ndf, n_blocks, the image size or batch_size`,
  );
}
