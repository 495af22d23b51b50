/** The run parameters that choose and shape the networks, turned into the model's options. */
import type { Parameters } from '../config/parameters.js';
import type { ConvolutionPrecision } from '../engine/index.js';
import type { Rng } from '../engine/rng.js';
import type { CycleGanOptions } from './cyclegan.js';
import type { GeneratorSpec } from './networks.js';

type ModelParameters = Pick<Parameters, 'image_channel' | 'ngf' | 'ndf' | 'n_blocks' | 'netG' | 'netD' | 'n_layers_D' | 'norm' | 'no_dropout' | 'init_type' | 'init_gain' | 'gan_mode'>;

/** Older run parameters (params.json, checkpoints) lack the reference's options: theirs were these defaults. */
const REFERENCE_DEFAULTS = { netG: 'resnet_9blocks', netD: 'basic', n_layers_D: 3, norm: 'instance', no_dropout: true, init_type: 'normal', init_gain: 0.02, gan_mode: 'lsgan' } as const;

export function generatorSpecOf(p: Pick<ModelParameters, 'image_channel' | 'ngf' | 'n_blocks'> & Partial<ModelParameters>): GeneratorSpec {
  const netG = p.netG ?? REFERENCE_DEFAULTS.netG;
  return { netG, channels: p.image_channel, ngf: p.ngf, nBlocks: netG === 'resnet_6blocks' ? 6 : p.n_blocks, norm: p.norm ?? REFERENCE_DEFAULTS.norm, dropout: !(p.no_dropout ?? REFERENCE_DEFAULTS.no_dropout) };
}

export function cycleGanOptionsOf(
  p: Pick<Parameters, 'image_channel' | 'ngf' | 'ndf' | 'n_blocks' | 'g_learning_rate' | 'd_learning_rate' | 'lambda_cycle' | 'lambda_identity' | 'pool_size' | 'device'> & Partial<ModelParameters> & Partial<Pick<Parameters, 'ema_decay'>>,
  poolRng: Rng,
  precision?: ConvolutionPrecision,
): CycleGanOptions {
  const d = { ...REFERENCE_DEFAULTS, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) } as typeof p & typeof REFERENCE_DEFAULTS;
  const g = generatorSpecOf(p);
  return {
    channels: p.image_channel,
    ngf: p.ngf,
    ndf: p.ndf,
    nBlocks: g.nBlocks,
    netG: g.netG,
    netD: d.netD,
    nLayersD: d.n_layers_D,
    norm: g.norm,
    dropout: g.dropout,
    initType: d.init_type,
    initGain: d.init_gain,
    ganMode: d.gan_mode,
    gLearningRate: p.g_learning_rate,
    dLearningRate: p.d_learning_rate,
    lambdaCycle: p.lambda_cycle,
    lambdaIdentity: p.lambda_identity,
    poolSize: p.pool_size,
    emaDecay: p.ema_decay,
    poolRng,
    precision,
    device: p.device,
  };
}
