/** Paths of the committed test fixtures and a tiny, fast training preset. */
import { join } from 'node:path';
import { repoRoot } from './reference.js';

export const fixtures = {
  flat: join(repoRoot, 'test', 'fixtures', 'flat'),
  classes: join(repoRoot, 'test', 'fixtures', 'classes'),
  target: join(repoRoot, 'test', 'fixtures', 'target'),
  manifest: join(repoRoot, 'test', 'fixtures', 'manifest'),
};

/** 32 px, a network a few filters wide: a run takes seconds, yet every code path of a real run is taken. */
export const tinyParameters = {
  image_height: 32,
  image_width: 32,
  ngf: 4,
  ndf: 4,
  n_blocks: 1,
  max_epoch: 2,
  save_frequency: 1,
  log_frequency: 1,
  pool_size: 3,
  threads: 1,
  seed: 5,
  eval_images: 0,
};
