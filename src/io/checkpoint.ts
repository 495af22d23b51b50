/**
 * Checkpoints in safetensors: a full training checkpoint (all four networks, both optimizers' moments,
 * the image pools, epoch, step, RNG state and parameters) for resuming, and a generator file
 * (one generator plus what is needed to rebuild it) for predicting and exporting.
 */
import { CheckpointError } from '../errors.js';
import { tidy, type Tensor } from '../engine/index.js';
import type { Parameters } from '../config/parameters.js';
import { CycleGan, modelNames } from '../model/cyclegan.js';
import { ResnetGenerator, type GeneratorConfig } from '../model/resnet_generator.js';
import { decodeSafetensors, readSafetensors, writeSafetensors, type SafetensorsFile, type StoredTensor } from './safetensors.js';
import { fromStored, toStored } from './tensor_store.js';
import { availableMemoryBytes, gibibytes, translationMemoryBytes } from '../model/memory_estimate.js';

export const CHECKPOINT_FORMAT = 'cyclegan-checkpoint/1';
export const GENERATOR_FORMAT = 'cyclegan-generator/1';

/** Where training stands; saved as JSON in the checkpoint's metadata. */
export interface TrainingProgress {
  /** Epochs fully done (1-based count). */
  epoch: number;
  /** Steps done within the current epoch (0 at an epoch boundary). */
  stepInEpoch: number;
  /** Steps done since the start of training. */
  globalStep: number;
  /** State of the run's random generator (image pools). */
  rng: unknown;
  optimizerSteps: { G: number; D: number };
}

export interface CheckpointMeta {
  format: string;
  parameters: Parameters;
  progress: TrainingProgress;
}

function optimizerEntries(model: CycleGan): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  const names = model.namedParameters().map(([n]) => n);
  const g = model.optimizerG.stateDict();
  const d = model.optimizerD.stateDict();
  const gNames = names.filter((n) => n.startsWith('netG_'));
  const dNames = names.filter((n) => n.startsWith('netD_'));
  gNames.forEach((n, i) => out.push([`optimizer_G.exp_avg.${n}`, g.expAvg[i]], [`optimizer_G.exp_avg_sq.${n}`, g.expAvgSq[i]]));
  dNames.forEach((n, i) => out.push([`optimizer_D.exp_avg.${n}`, d.expAvg[i]], [`optimizer_D.exp_avg_sq.${n}`, d.expAvgSq[i]]));
  return out;
}

export function saveCheckpoint(path: string, model: CycleGan, parameters: Parameters, progress: TrainingProgress): void {
  const tensors = new Map<string, StoredTensor>();
  for (const [n, t] of model.namedParameters()) tensors.set(n, toStored(t));
  for (const [n, t] of optimizerEntries(model)) tensors.set(n, toStored(t));
  model.fakeAPool.images.forEach((t, i) => tensors.set(`pool.fake_A.${i}`, toStored(t)));
  model.fakeBPool.images.forEach((t, i) => tensors.set(`pool.fake_B.${i}`, toStored(t)));
  const meta: CheckpointMeta = { format: CHECKPOINT_FORMAT, parameters, progress };
  writeSafetensors(path, tensors, { cyclegan: JSON.stringify(meta) });
}

function metaOf(file: SafetensorsFile, path: string): { format: string } & Record<string, unknown> {
  const raw = file.metadata.cyclegan;
  if (!raw) throw new CheckpointError(`${path} is a safetensors file but not a cyclegan checkpoint (no 'cyclegan' metadata). Use a model/CycleGan_epoch_N.safetensors or checkpoints/latest.safetensors written by cyclegan.`);
  try {
    return JSON.parse(raw);
  } catch {
    throw new CheckpointError(`${path}: its cyclegan metadata is not valid JSON; the file is damaged.`);
  }
}

export function readCheckpoint(path: string): { file: SafetensorsFile; meta: CheckpointMeta } {
  const file = readSafetensors(path);
  const meta = metaOf(file, path);
  if (meta.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${path} is a ${meta.format} file, not a full training checkpoint (${CHECKPOINT_FORMAT}); training can only resume from checkpoints/latest.safetensors.`);
  return { file, meta: meta as unknown as CheckpointMeta };
}

function tensorsWithPrefix(file: SafetensorsFile, prefix: string, path: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, v] of file.tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), fromStored(v));
  if (out.size === 0) throw new CheckpointError(`${path} holds no tensors named ${prefix}*; it is incomplete.`);
  return out;
}

/** Restores networks, optimizers and pools of a model built with the checkpoint's parameters. */
export function restoreCheckpoint(model: CycleGan, file: SafetensorsFile, progress: TrainingProgress, path: string): void {
  tidy(() => {
    for (const name of modelNames) model.nets()[name].loadStateDict(tensorsWithPrefix(file, `${name}.`, path), `${path} (${name})`);
    const names = model.namedParameters().map(([n]) => n);
    const load = (which: 'G' | 'D', nets: string) => {
      const own = names.filter((n) => n.startsWith(nets));
      const moments = (kind: string) =>
        own.map((n) => {
          const s = file.tensors.get(`optimizer_${which}.${kind}.${n}`);
          if (!s) throw new CheckpointError(`${path} lacks optimizer_${which}.${kind}.${n}; it is incomplete.`);
          return fromStored(s);
        });
      const opt = which === 'G' ? model.optimizerG : model.optimizerD;
      opt.loadStateDict({ step: progress.optimizerSteps[which], lr: opt.lr, expAvg: moments('exp_avg'), expAvgSq: moments('exp_avg_sq') });
    };
    load('G', 'netG_');
    load('D', 'netD_');
    for (const [pool, key] of [
      [model.fakeAPool, 'fake_A'],
      [model.fakeBPool, 'fake_B'],
    ] as const) {
      const images: StoredTensor[] = [];
      for (let i = 0; file.tensors.has(`pool.${key}.${i}`); i++) images.push(file.tensors.get(`pool.${key}.${i}`)!);
      pool.restore(images.map((s) => fromStored(s)));
    }
  });
}

export interface GeneratorMeta {
  format: string;
  direction: 'AtoB' | 'BtoA';
  generator: GeneratorConfig;
  image_height: number;
  image_width: number;
  epoch: number;
}

export function saveGenerator(path: string, net: ResnetGenerator, meta: Omit<GeneratorMeta, 'format' | 'generator'>): void {
  const tensors = new Map(net.namedParameters().map(([n, t]) => [n, toStored(t)]));
  const full: GeneratorMeta = { format: GENERATOR_FORMAT, generator: net.config, ...meta };
  writeSafetensors(path, tensors, { cyclegan: JSON.stringify(full) });
}

/**
 * Loads a generator from a generator file or from a full checkpoint (either direction).
 * The caller owns (and disposes) the returned network. `bytes`: the file's content when the caller has
 * already read it (`path` then only names it in errors).
 */
export function loadGenerator(path: string, direction: 'AtoB' | 'BtoA' = 'AtoB', bytes?: Uint8Array): { net: ResnetGenerator; meta: GeneratorMeta } {
  const file = bytes ? decodeSafetensors(bytes, path) : readSafetensors(path);
  const meta = metaOf(file, path);
  let config: GeneratorConfig;
  let prefix: string;
  let info: GeneratorMeta;
  if (meta.format === GENERATOR_FORMAT) {
    info = meta as unknown as GeneratorMeta;
    if (info.direction !== direction) throw new CheckpointError(`${path} holds the ${info.direction} generator only; export ${direction} from the full checkpoint (checkpoints/latest.safetensors).`);
    config = info.generator;
    prefix = '';
  } else if (meta.format === CHECKPOINT_FORMAT) {
    const p = (meta as unknown as CheckpointMeta).parameters;
    config = { channels: p.image_channel, ngf: p.ngf, nBlocks: p.n_blocks };
    prefix = direction === 'AtoB' ? 'netG_A.' : 'netG_B.';
    info = { format: GENERATOR_FORMAT, direction, generator: config, image_height: p.image_height, image_width: p.image_width, epoch: (meta as unknown as CheckpointMeta).progress.epoch };
  } else {
    throw new CheckpointError(`${path} has unknown format '${meta.format}'; expected ${GENERATOR_FORMAT} or ${CHECKPOINT_FORMAT}.`);
  }
  assertGeneratorFits(config, info, path);
  const net = new ResnetGenerator(config);
  try {
    tidy(() => net.loadStateDict(tensorsWithPrefix(file, prefix, path), path));
  } catch (error) {
    net.dispose();
    throw error;
  }
  return { net: net.eval(), meta: info };
}

/**
 * The generator a file describes must be a sane shape that fits in memory, checked before allocating:
 * a file claiming ngf 1e9 died in std::bad_alloc without naming the file.
 */
function assertGeneratorFits(config: GeneratorConfig, info: GeneratorMeta, path: string, available = availableMemoryBytes()): void {
  const { channels, ngf, nBlocks } = config;
  if ((channels !== 1 && channels !== 3) || !Number.isSafeInteger(ngf) || ngf < 1 || !Number.isSafeInteger(nBlocks) || nBlocks < 0) {
    throw new CheckpointError(`${path}: its metadata describes an impossible generator (channels ${channels}, ngf ${ngf}, ${nBlocks} blocks); the file is damaged or was not written by cyclegan`);
  }
  const needed = translationMemoryBytes(channels, ngf, nBlocks, info.image_height || 256, info.image_width || 256);
  if (needed > available) {
    throw new CheckpointError(
      `${path}: its metadata describes a generator with ngf ${ngf} and ${nBlocks} blocks, which needs about ${gibibytes(needed)} of memory; this machine has ${gibibytes(available)}. The file is damaged or was not written by cyclegan`,
    );
  }
}
