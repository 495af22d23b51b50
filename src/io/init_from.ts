/**
 * `train --init_from`: start from the reference's weights. A folder is read as the reference's
 * checkpoints folder (checkpoints/NAME/: latest_net_G_A.pth, latest_net_G_B.pth, latest_net_D_A.pth,
 * latest_net_D_B.pth, or N_net_*.pth of the highest N when there is no latest); a file is one
 * generator, loaded into netG_A. Networks without a file keep their fresh initialisation.
 * Optimizer state is not in the reference's files, so Adam starts anew, as the reference's
 * --continue_train does.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tidy } from '../engine/index.js';
import { CheckpointError } from '../errors.js';
import { modelNames, type CycleGan, type ModelName } from '../model/cyclegan.js';
import { inferGenerator } from './infer_architecture.js';
import { decodePth, pthFormatOf } from './pth_read.js';
import { decodeSafetensors, readWeightsFile, type StoredTensor } from './safetensors.js';
import { fromStored } from './tensor_store.js';

/** netG_A -> G_A, the reference's file suffix. */
const suffix = (name: ModelName) => name.slice('net'.length);

/** The reference's files in `dir`, by network; latest_ first, else the highest epoch. */
export function referenceCheckpointFiles(dir: string): Partial<Record<ModelName, string>> {
  const names = readdirSync(dir);
  const out: Partial<Record<ModelName, string>> = {};
  for (const net of modelNames) {
    const file = `net_${suffix(net)}.pth`;
    if (names.includes(`latest_${file}`)) {
      out[net] = join(dir, `latest_${file}`);
      continue;
    }
    const epochs = names.map((n) => new RegExp(`^(\\d+)_${file.replace('.', '\\.')}$`).exec(n)).filter((m) => m !== null);
    if (epochs.length) out[net] = join(dir, epochs.sort((a, b) => Number(b[1]) - Number(a[1]))[0][0]);
  }
  return out;
}

function readStateDict(path: string): Map<string, StoredTensor> {
  const bytes = readWeightsFile(path);
  if (pthFormatOf(bytes)) return decodePth(bytes, path);
  return decodeSafetensors(bytes, path).tensors;
}

const STALE_INSTANCE_NORM = /\.(running_mean|running_var|num_batches_tracked)$/;

function loadInto(model: CycleGan, net: ModelName, path: string): void {
  let tensors = readStateDict(path);
  const spec = model.generatorSpec();
  if (net.startsWith('netG')) {
    const found = inferGenerator(tensors, path, spec);
    const a = found.spec;
    const shape = (g: typeof a) => (g.netG?.startsWith('unet') ? g.netG : `a ResNet with ${g.nBlocks} blocks`);
    if (shape(a) !== shape(spec) || a.norm !== spec.norm || a.ngf !== spec.ngf) {
      const flags = a.netG?.startsWith('unet') ? `--netG ${a.netG}` : a.nBlocks === 6 ? '--netG resnet_6blocks' : `--n_blocks ${a.nBlocks}`;
      throw new CheckpointError(`${path} holds ${shape(a)} (ngf ${a.ngf}, norm ${a.norm}) but this run builds ${shape(spec)} (ngf ${spec.ngf}, norm ${spec.norm}); pass ${flags} --ngf ${a.ngf} --norm ${a.norm}.`);
    }
    tensors = found.tensors;
  } else {
    const all = [...tensors.keys()];
    if (all.length && all.every((k) => k.startsWith('module.'))) tensors = new Map([...tensors].map(([k, v]) => [k.slice('module.'.length), v]));
    if (model.options.norm !== 'batch') for (const k of [...tensors.keys()]) if (STALE_INSTANCE_NORM.test(k)) tensors.delete(k);
  }
  tidy(() => model.nets()[net].loadStateDict(new Map([...tensors].map(([k, v]) => [k, fromStored(v)])), `${path} (${net})`));
}

/** Loads the reference weights at `path` into `model`; returns which networks came from which file. */
export function initFromReference(model: CycleGan, path: string): Partial<Record<ModelName, string>> {
  if (!existsSync(path)) throw new CheckpointError(`init_from ${path} does not exist; give the reference's checkpoints folder (with latest_net_G_A.pth) or a generator .pth.`);
  const files: Partial<Record<ModelName, string>> = statSync(path).isDirectory() ? referenceCheckpointFiles(path) : { netG_A: path };
  if (!files.netG_A && !files.netG_B) {
    throw new CheckpointError(`init_from ${path} holds no reference generator: expected latest_net_G_A.pth (or N_net_G_A.pth), as the reference's checkpoints/NAME folder has.`);
  }
  for (const net of modelNames) if (files[net]) loadInto(model, net, files[net]);
  return files;
}
