/**
 * The CycleGAN every training-step benchmark trains (train-step and pipeline): its settings, the
 * fields a case carries to its worker process, and the model a worker builds from them.
 */
import { Rng } from '../src/engine/rng.js';
import type { ConvolutionPrecision } from '../src/engine/index.js';
import { CycleGan } from '../src/model/cyclegan.js';
import { cycleGanOptionsOf } from '../src/model/model_options.js';

/** The network of every training-step benchmark; reference/train_step_bench.py reads the same keys. */
export const MODEL = { channels: 3, ngf: 64, ndf: 64, nBlocks: 9, learningRate: 2e-4, lambdaCycle: 10, lambdaIdentity: 0.5, poolSize: 50, seed: 1 } as const;

/** What a worker needs to build the model. */
export interface ModelCase {
  channels: number;
  ngf: number;
  ndf: number;
  nBlocks: number;
  learningRate: number;
  lambdaCycle: number;
  lambdaIdentity: number;
  poolSize: number;
  /** Seeds the weights (each side its own generator) and our pool. */
  seed: number;
  /** Ours only; PyTorch is float32. */
  precision: ConvolutionPrecision;
}

/** Our CycleGAN for a case; seed the engine (manualSeed) first, as the weights are drawn here. */
export function buildModel(c: ModelCase): CycleGan {
  const rng = new Rng(c.seed);
  const p = { image_channel: c.channels as 1 | 3, ngf: c.ngf, ndf: c.ndf, n_blocks: c.nBlocks, g_learning_rate: c.learningRate, d_learning_rate: c.learningRate };
  return new CycleGan(cycleGanOptionsOf({ ...p, lambda_cycle: c.lambdaCycle, lambda_identity: c.lambdaIdentity, pool_size: c.poolSize, device: 'cpu' }, rng, c.precision));
}
