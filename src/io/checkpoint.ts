/**
 * Checkpoints in safetensors: a full training checkpoint (all four networks, both optimizers' moments,
 * the image pools, epoch, step, RNG state and parameters) for resuming, and a generator file
 * (one generator plus what is needed to rebuild it) for predicting and exporting.
 */
import { CheckpointError } from '../errors.js';
import { tidy, type Module, type Tensor } from '../engine/index.js';
import type { Parameters } from '../config/parameters.js';
import type { CycleGan } from '../model/cyclegan.js';
import { generatorSpecOf } from '../model/model_options.js';
import { defineG, type GeneratorSpec } from '../model/networks.js';
import { inferGenerator } from './infer_architecture.js';
import { decodePth, pthFormatOf } from './pth_read.js';
import { decodeSafetensors, readSafetensors, readWeightsFile, writeSafetensors, type SafetensorsFile, type StoredTensor } from './safetensors.js';
import { fromStored, toStored } from './tensor_store.js';
import type { RngState } from '../engine/rng.js';
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
  /** State of the image pools' random generator (rank 0's in data-parallel runs). */
  rng: unknown;
  optimizerSteps: { G: number; D: number };
  /** Data-parallel runs: the number of ranks, and each rank's pool generator (index 0 is `rng`); their pools are saved as pool.rank<r>.fake_A.<i>. */
  worldSize?: number;
  rankRng?: unknown[];
}

export interface CheckpointMeta {
  format: string;
  parameters: Parameters;
  progress: TrainingProgress;
}

/** Where a run stands apart from what the model's own state holds (optimizer steps, the pools' generator). */
export type RunPosition = Omit<TrainingProgress, 'rng' | 'optimizerSteps'>;

/** `extra`: further tensors stored beside the model's (data-parallel ranks' pools). */
export function saveCheckpoint(path: string, model: CycleGan, parameters: Parameters, position: RunPosition, extra?: ReadonlyMap<string, Tensor>): void {
  const state = model.stateDict();
  const tensors = new Map<string, StoredTensor>();
  for (const [n, t] of extra ?? []) tensors.set(n, toStored(t));
  for (const [n, t] of state.tensors) tensors.set(n, toStored(t));
  const meta: CheckpointMeta = { format: CHECKPOINT_FORMAT, parameters, progress: { ...position, rng: state.poolRng, optimizerSteps: state.optimizerSteps } };
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

/** Restores networks, optimizers, pools and the pools' generator of a model built with the checkpoint's parameters. */
export function restoreCheckpoint(model: CycleGan, file: SafetensorsFile, progress: TrainingProgress, path: string): void {
  tidy(() => model.loadStateDict({ tensors: new Map([...file.tensors].map(([n, s]) => [n, fromStored(s)])), optimizerSteps: progress.optimizerSteps, poolRng: progress.rng as RngState }, path));
}

export interface GeneratorMeta {
  format: string;
  direction: 'AtoB' | 'BtoA';
  /** Older files hold {channels, ngf, nBlocks} only: a ResNet with instance norm and no dropout. */
  generator: GeneratorSpec;
  image_height: number;
  image_width: number;
  epoch: number;
}

export function saveGenerator(path: string, net: Module, spec: GeneratorSpec, meta: Omit<GeneratorMeta, 'format' | 'generator'>): void {
  const tensors = new Map(net.namedState().map(([n, t]) => [n, toStored(t)]));
  const full: GeneratorMeta = { format: GENERATOR_FORMAT, generator: spec, ...meta };
  writeSafetensors(path, tensors, { cyclegan: JSON.stringify(full) });
}

/** Builds the generator of `spec` and loads `tensors` into it; the caller owns the network. */
function buildLoaded(spec: GeneratorSpec, tensors: ReadonlyMap<string, StoredTensor>, source: string): Module {
  const net = defineG(spec);
  try {
    tidy(() => net.loadStateDict(new Map([...tensors].map(([k, v]) => [k, fromStored(v)])), source));
  } catch (error) {
    net.dispose();
    throw error;
  }
  return net.eval();
}

/**
 * A reference generator (a `.pth` state_dict, or safetensors with the reference's names and no cyclegan
 * metadata): its architecture from its names and shapes, what they leave open from `flags`.
 */
function loadForeignGenerator(tensors: ReadonlyMap<string, StoredTensor>, source: string, flags: Partial<Parameters>, direction: 'AtoB' | 'BtoA'): { net: Module; meta: GeneratorMeta } {
  const fallback = flags.image_channel && flags.ngf && flags.n_blocks ? generatorSpecOf(flags as Parameters) : {};
  const { spec, tensors: own } = inferGenerator(tensors, source, fallback);
  const net = buildLoaded(spec, own, source);
  return { net, meta: { format: GENERATOR_FORMAT, direction, generator: spec, image_height: flags.image_height ?? 256, image_width: flags.image_width ?? 256, epoch: 0 } };
}

/**
 * Loads a generator from a generator file or a full checkpoint (either direction), or from a reference
 * `.pth` / reference-named safetensors file (then `flags` fill in what the file does not say).
 * The caller owns (and disposes) the returned network. `bytes`: the file's content when the caller has
 * already read it (`path` then only names it in errors).
 */
export function loadGenerator(path: string, direction: 'AtoB' | 'BtoA' = 'AtoB', bytes?: Uint8Array, flags: Partial<Parameters> = {}): { net: Module; meta: GeneratorMeta } {
  const data = bytes ?? readWeightsFile(path);
  if (pthFormatOf(data)) return loadForeignGenerator(decodePth(data, path), path, flags, direction);
  const file = decodeSafetensors(data, path);
  if (!file.metadata.cyclegan) return loadForeignGenerator(file.tensors, path, flags, direction);
  const meta = metaOf(file, path);
  let spec: GeneratorSpec;
  let prefix: string;
  let info: GeneratorMeta;
  if (meta.format === GENERATOR_FORMAT) {
    info = meta as unknown as GeneratorMeta;
    if (info.direction !== direction) throw new CheckpointError(`${path} holds the ${info.direction} generator only; export ${direction} from the full checkpoint (checkpoints/latest.safetensors).`);
    spec = info.generator;
    prefix = '';
  } else if (meta.format === CHECKPOINT_FORMAT) {
    const p = (meta as unknown as CheckpointMeta).parameters;
    spec = generatorSpecOf(p);
    prefix = direction === 'AtoB' ? 'netG_A.' : 'netG_B.';
    // A run with ema_decay translates with the generators' average (as its model files do).
    if ([...file.tensors.keys()].some((k) => k.startsWith(`ema.${prefix}`))) prefix = `ema.${prefix}`;
    info = { format: GENERATOR_FORMAT, direction, generator: spec, image_height: p.image_height, image_width: p.image_width, epoch: (meta as unknown as CheckpointMeta).progress.epoch };
  } else {
    throw new CheckpointError(`${path} has unknown format '${meta.format}'; expected ${GENERATOR_FORMAT} or ${CHECKPOINT_FORMAT}.`);
  }
  assertGeneratorFits(spec, info, path);
  const tensors = new Map<string, StoredTensor>();
  for (const [k, v] of file.tensors) if (k.startsWith(prefix)) tensors.set(k.slice(prefix.length), v);
  if (tensors.size === 0) throw new CheckpointError(`${path} holds no tensors named ${prefix}*; it is incomplete.`);
  return { net: buildLoaded(spec, tensors, path), meta: info };
}

/**
 * The generator a file describes must be a sane shape that fits in memory, checked before allocating:
 * a file claiming ngf 1e9 died in std::bad_alloc without naming the file.
 */
function assertGeneratorFits(config: GeneratorSpec, info: GeneratorMeta, path: string, available = availableMemoryBytes()): void {
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
