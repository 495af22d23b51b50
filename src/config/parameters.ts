/**
 * Every run parameter, in one place: the spec's names (snake_case, accepted verbatim as JSON keys and
 * CLI flags, with kebab-case aliases), their defaults, and what values are accepted.
 * The first twelve are the CycleGAN operator's; the rest are the reference implementation's knobs.
 */
import { availableParallelism } from 'node:os';

export interface Parameters {
  /** Decode every input file before use and skip bad ones; default true. */
  do_validation: boolean;
  /** 3 for RGB, 1 for grayscale end to end; default 3. */
  image_channel: 1 | 3;
  /** Training and output height, a power of 2 (32 or more); default 256. */
  image_height: number;
  /** Training and output width, a power of 2 (32 or more); default 256. */
  image_width: number;
  /** Images per training step and per generation batch; default 1. */
  batch_size: number;
  /** Epochs; each visits max(|X|, |Y|) images; default 100. */
  max_epoch: number;
  /** Adam learning rate of both generators; default 1e-4. */
  g_learning_rate: number;
  /** Adam learning rate of both discriminators; default 1e-4. */
  d_learning_rate: number;
  /** Log every this many steps; default 5. */
  log_frequency: number;
  /** Save the model every this many epochs (and at the end); default 5. */
  save_frequency: number;
  /** Translate the source folder with the model named by `resume` instead of training; default false. */
  predict: boolean;
  /** The model to predict with (checkpoint, .onnx or .pb); default "". */
  resume: string;
  /** Drives weight init, data order, augmentation and the image pools; default 0. */
  seed: number;
  /** CPU threads for libtorch; default: all cores. */
  threads: number;
  /** cpu, cuda or cuda:N; default cpu. */
  device: string;
  /** Generator filters in the first layer; default 64. */
  ngf: number;
  /** Discriminator filters in the first layer; default 64. */
  ndf: number;
  /** Residual blocks in each generator; default 9. */
  n_blocks: number;
  /** Weight of the cycle-consistency losses; default 10. */
  lambda_cycle: number;
  /** Weight of the identity losses, relative to lambda_cycle; default 0.5. */
  lambda_identity: number;
  /** Generated images kept for the discriminators; default 50 (0 disables the pool). */
  pool_size: number;
  /** Decay of an exponential moving average of the generators' weights, which samples, Data/, metrics and model files then use; 0 (default): none. */
  ema_decay: number;
  /** linear: constant for the first half of max_epoch, then linearly to 0; constant: never decays. Default linear. */
  lr_policy: 'linear' | 'constant';
  /** Random horizontal flips during training; default true. */
  flip: boolean;
  /** Train on random crops of images resized this much larger (the reference's 286/256); default 1.12. */
  load_scale: number;
  /** pad_and_crop (random shifts at the image's own scale, mirrored border) or resize_and_crop (the reference's: crops of the image zoomed by load_scale); default pad_and_crop, measured better (README, Translation quality). */
  preprocess: 'resize_and_crop' | 'pad_and_crop';
  /** Minutes of training between resumable checkpoints, besides those at save_frequency epochs; default 10. */
  checkpoint_minutes: number;
  /** fp32, or bf16: convolutions in bfloat16 (AMX where the CPU has it), norms, losses and Adam in float32; default fp32. */
  precision: 'fp32' | 'bf16';
  /** The reference's generator: resnet_9blocks, resnet_6blocks, unet_256 or unet_128; default resnet_9blocks. */
  netG: 'resnet_9blocks' | 'resnet_6blocks' | 'unet_256' | 'unet_128';
  /** The reference's discriminator: basic (70x70 PatchGAN), n_layers (n_layers_D convs) or pixel; default basic. */
  netD: 'basic' | 'n_layers' | 'pixel';
  /** Conv layers of netD n_layers; default 3. */
  n_layers_D: number;
  /** instance, batch or none; default instance. */
  norm: 'instance' | 'batch' | 'none';
  /** No dropout in the generators; default true (the reference's CycleGAN default). */
  no_dropout: boolean;
  /** Weight init: normal, xavier, kaiming or orthogonal; default normal. */
  init_type: 'normal' | 'xavier' | 'kaiming' | 'orthogonal';
  /** Scale of normal, xavier and orthogonal init; default 0.02. */
  init_gain: number;
  /** GAN objective: lsgan, vanilla (cross-entropy) or wgangp; default lsgan. */
  gan_mode: 'lsgan' | 'vanilla' | 'wgangp';
  /** Start training from the reference's weights: a checkpoints folder (latest_net_G_A.pth, ...) or one generator file; default "". */
  init_from: string;
  /** A reference dataset folder with trainA/ and trainB/ (testA/, testB/): source and target; default "". */
  dataroot: string;
  /** Compute KID* and FID* every this many epochs (and at the end); 0: with each save. Default 0. */
  eval_frequency: number;
  /** Source and target images the metrics use during training (a seeded subset); 0 turns them off. Default 200. */
  eval_images: number;
}

type Check = (value: unknown) => string | null;

export interface ParameterSpec {
  type: 'boolean' | 'integer' | 'number' | 'string';
  default: () => unknown;
  /** Returns what was expected when the value is not acceptable. */
  check?: Check;
  /** One line for `cyclegan help`: what the parameter does (its default and accepted values are shown beside it). */
  help: string;
}

const positiveInteger: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : 'a positive integer');
const nonNegativeInteger: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? null : 'a non-negative integer');
const positiveNumber: Check = (v) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? null : 'a number greater than 0');
const belowOne: Check = (v) => (typeof v === 'number' && v >= 0 && v < 1 ? null : 'a number from 0 up to (not including) 1');
const nonNegativeNumber: Check = (v) => (typeof v === 'number' && v >= 0 && Number.isFinite(v) ? null : 'a number of 0 or more');
const powerOfTwo: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 32 && (v as number) <= 8192 && ((v as number) & ((v as number) - 1)) === 0 ? null : 'a power of 2 from 32 to 8192';
/** More threads than 4 per core only add contention; 100000 of them stalled the whole machine. */
const threadCount: Check = (v) =>
  Number.isInteger(v) && (v as number) > 0 && (v as number) <= 4 * availableParallelism()
    ? null
    : `a positive integer of at most ${4 * availableParallelism()} (4 x the ${availableParallelism()} cores of this machine)`;
const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v) ? null : `one of ${values.join(', ')}`;

export const PARAMETERS: Readonly<Record<keyof Parameters, ParameterSpec>> = Object.freeze({
  do_validation: { type: 'boolean', default: () => true, help: 'decode every input file before use; bad files are skipped and reported' },
  image_channel: { type: 'integer', default: () => 3, check: oneOf(1, 3), help: '3 for RGB, 1 for grayscale end to end' },
  image_height: { type: 'integer', default: () => 256, check: powerOfTwo, help: 'training and output height' },
  image_width: { type: 'integer', default: () => 256, check: powerOfTwo, help: 'training and output width' },
  batch_size: { type: 'integer', default: () => 1, check: positiveInteger, help: 'images per step and per generation batch' },
  max_epoch: { type: 'integer', default: () => 100, check: positiveInteger, help: 'epochs; each visits max(|X|, |Y|) images' },
  g_learning_rate: { type: 'number', default: () => 1e-4, check: positiveNumber, help: 'Adam learning rate of the generators' },
  d_learning_rate: { type: 'number', default: () => 1e-4, check: positiveNumber, help: 'Adam learning rate of the discriminators' },
  log_frequency: { type: 'integer', default: () => 5, check: positiveInteger, help: 'write a line to logs/train.jsonl (and a plain progress line) every N steps' },
  save_frequency: { type: 'integer', default: () => 5, check: positiveInteger, help: 'save the model every N epochs (and at the end)' },
  predict: { type: 'boolean', default: () => false, help: 'translate with the model named by resume instead of training' },
  resume: { type: 'string', default: () => '', help: 'the model to predict with: a checkpoint (.safetensors), an .onnx or a frozen .pb' },
  seed: { type: 'integer', default: () => 0, check: nonNegativeInteger, help: 'drives weight init, data order, augmentation and the image pools' },
  threads: { type: 'integer', default: () => availableParallelism(), check: threadCount, help: 'libtorch CPU threads' },
  device: { type: 'string', default: () => 'cpu', check: (v) => (/^(cpu|cuda(:\d+)?)$/.test(String(v)) ? null : 'cpu, cuda or cuda:N'), help: 'where tensors live' },
  ngf: { type: 'integer', default: () => 64, check: positiveInteger, help: 'generator filters in the first layer' },
  ndf: { type: 'integer', default: () => 64, check: positiveInteger, help: 'discriminator filters in the first layer' },
  n_blocks: { type: 'integer', default: () => 9, check: nonNegativeInteger, help: 'residual blocks in each generator' },
  lambda_cycle: { type: 'number', default: () => 10, check: nonNegativeNumber, help: 'weight of the cycle-consistency losses' },
  lambda_identity: { type: 'number', default: () => 0.5, check: nonNegativeNumber, help: 'weight of the identity losses, relative to lambda_cycle' },
  pool_size: { type: 'integer', default: () => 50, check: nonNegativeInteger, help: 'generated images kept for the discriminators (0: no pool)' },
  ema_decay: { type: 'number', default: () => 0, check: belowOne, help: 'decay of a moving average of the generators\' weights used for samples, Data/, metrics and model files, e.g. 0.999 (0: none, the last weights)' },
  lr_policy: { type: 'string', default: () => 'linear', check: oneOf('linear', 'constant'), help: 'linear: constant for the first half of max_epoch, then linearly to 0; constant: never decays' },
  flip: { type: 'boolean', default: () => true, help: 'random horizontal flips during training' },
  load_scale: { type: 'number', default: () => 1.12, check: (v) => (typeof v === 'number' && v >= 1 && v <= 4 ? null : 'a number from 1 to 4'), help: 'room for the random crops: this times the image size (286/256 in the reference)' },
  checkpoint_minutes: { type: 'number', default: () => 10, check: positiveNumber, help: 'minutes of training between resumable checkpoints, besides those at save_frequency epochs' },
  precision: { type: 'string', default: () => 'fp32', check: oneOf('fp32', 'bf16'), help: 'bf16: convolutions in bfloat16 (about 2x faster on CPUs with AMX), norms, losses and Adam in float32' },
  preprocess: { type: 'string', default: () => 'pad_and_crop', check: oneOf('pad_and_crop', 'resize_and_crop'), help: 'pad_and_crop: random shifts at the image\'s own size, mirrored border (translation sees that size too); resize_and_crop: crops of the image resized to load_scale times its size (the reference\'s, which zooms training images by 12%)' },
  netG: { type: 'string', default: () => 'resnet_9blocks', check: oneOf('resnet_9blocks', 'resnet_6blocks', 'unet_256', 'unet_128'), help: "the reference's generator (U-Net sizes need multiples of 128 or 256 px)" },
  netD: { type: 'string', default: () => 'basic', check: oneOf('basic', 'n_layers', 'pixel'), help: 'basic: 70x70 PatchGAN; n_layers: n_layers_D convs; pixel: 1x1 PatchGAN' },
  n_layers_D: { type: 'integer', default: () => 3, check: positiveInteger, help: 'conv layers of netD n_layers' },
  norm: { type: 'string', default: () => 'instance', check: oneOf('instance', 'batch', 'none'), help: 'normalisation in both networks' },
  no_dropout: { type: 'boolean', default: () => true, help: "no dropout in the generators (the reference's CycleGAN default); false adds Dropout(0.5)" },
  init_type: { type: 'string', default: () => 'normal', check: oneOf('normal', 'xavier', 'kaiming', 'orthogonal'), help: 'weight initialisation' },
  init_gain: { type: 'number', default: () => 0.02, check: positiveNumber, help: 'scale of normal, xavier and orthogonal init' },
  gan_mode: { type: 'string', default: () => 'lsgan', check: oneOf('lsgan', 'vanilla', 'wgangp'), help: 'GAN objective: least squares, cross-entropy, or Wasserstein (no gradient penalty, as the reference CycleGAN)' },
  init_from: { type: 'string', default: () => '', help: "start from the reference's weights: its checkpoints folder (latest_net_G_A.pth, ...) or one generator .pth" },
  dataroot: { type: 'string', default: () => '', help: "the reference's dataset layout: trainA/ -> trainB/, testA/ also translated into Data/" },
  eval_frequency: { type: 'integer', default: () => 0, check: nonNegativeInteger, help: 'compute KID* and FID* every N epochs and at the end (0: with each save)' },
  eval_images: { type: 'integer', default: () => 200, check: nonNegativeInteger, help: 'source and target images (a seeded subset) the metrics use during training; 0 turns them off' },
});

export const PARAMETER_NAMES = Object.keys(PARAMETERS) as (keyof Parameters)[];
