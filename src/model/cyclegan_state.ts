/**
 * The whole trainable state of a CycleGan under flat names, so a checkpoint writer only serialises:
 *   netG_A.model.1.weight ...            parameters and buffers of the four networks
 *   optimizer_G.exp_avg.netG_A.model.1.weight, optimizer_G.exp_avg_sq.<same>, optimizer_D...
 *                                        Adam's moments, named after the parameter they belong to
 *   pool.fake_A.0 ...                    the image pools' history
 *   ema.netG_A.model.1.weight ...        the generators' weight average, when ema_decay is on
 * The optimizers' step counts and the pools' random generator are plain JSON, returned beside the tensors.
 */
import { CheckpointError } from '../errors.js';
import type { Adam, Module, Tensor } from '../engine/index.js';
import type { Rng, RngState } from '../engine/rng.js';
import type { GeneratorAverage } from './generator_average.js';
import type { ImagePool } from './image_pool.js';
import { modelNames, type ModelName } from './model_names.js';

/** What of a CycleGan its state is made of (cyclegan.ts implements it; this file does not import it, to keep the two one-way). */
export interface CycleGanParts {
  nets(): Record<ModelName, Module>;
  namedParameters(): [string, Tensor][];
  namedBuffers(): [string, Tensor][];
  readonly optimizerG: Adam;
  readonly optimizerD: Adam;
  readonly fakeAPool: ImagePool;
  readonly fakeBPool: ImagePool;
  readonly poolRng: Rng;
  readonly average: GeneratorAverage | null;
}

export interface CycleGanState {
  tensors: Map<string, Tensor>;
  optimizerSteps: { G: number; D: number };
  /** Where the pools' generator stands; a state without it (older checkpoints kept it elsewhere) leaves the generator as it is. */
  poolRng?: RngState;
}

/** The networks' parameter names each optimizer updates, in the optimizer's order. */
function optimizedNames(model: CycleGanParts): { G: string[]; D: string[] } {
  const names = model.namedParameters().map(([n]) => n);
  return { G: names.filter((n) => n.startsWith('netG_')), D: names.filter((n) => n.startsWith('netD_')) };
}

/** Views of the live tensors (not copies): serialise them before the next training step. */
export function cycleGanStateDict(model: CycleGanParts): CycleGanState {
  const tensors = new Map<string, Tensor>([...model.namedParameters(), ...model.namedBuffers()]);
  const names = optimizedNames(model);
  for (const which of ['G', 'D'] as const) {
    const state = (which === 'G' ? model.optimizerG : model.optimizerD).stateDict();
    names[which].forEach((n, i) => {
      tensors.set(`optimizer_${which}.exp_avg.${n}`, state.expAvg[i]);
      tensors.set(`optimizer_${which}.exp_avg_sq.${n}`, state.expAvgSq[i]);
    });
  }
  model.fakeAPool.images.forEach((t, i) => tensors.set(`pool.fake_A.${i}`, t));
  model.fakeBPool.images.forEach((t, i) => tensors.set(`pool.fake_B.${i}`, t));
  for (const [name, t] of model.average?.namedState() ?? []) tensors.set(name, t);
  return { tensors, optimizerSteps: { G: model.optimizerG.stepCount, D: model.optimizerD.stepCount }, poolRng: model.poolRng.state() };
}

/**
 * Restores what cycleGanStateDict wrote. Weights and moments are copied in; pool images are taken
 * over (the pools own them afterwards). `source` names the origin in errors.
 */
export function loadCycleGanState(model: CycleGanParts, state: CycleGanState, source: string): void {
  const { tensors } = state;
  for (const name of modelNames) {
    const own = new Map([...tensors].filter(([k]) => k.startsWith(`${name}.`)).map(([k, v]) => [k.slice(name.length + 1), v]));
    if (own.size === 0) throw new CheckpointError(`${source} holds no tensors named ${name}.*; it is incomplete.`);
    model.nets()[name].loadStateDict(own, `${source} (${name})`);
  }
  const names = optimizedNames(model);
  for (const which of ['G', 'D'] as const) {
    const moments = (kind: string) =>
      names[which].map((n) => {
        const t = tensors.get(`optimizer_${which}.${kind}.${n}`);
        if (!t) throw new CheckpointError(`${source} lacks optimizer_${which}.${kind}.${n}; it is incomplete.`);
        return t;
      });
    const optimizer = which === 'G' ? model.optimizerG : model.optimizerD;
    optimizer.loadStateDict({ step: state.optimizerSteps[which], lr: optimizer.lr, expAvg: moments('exp_avg'), expAvgSq: moments('exp_avg_sq') });
  }
  for (const [pool, key] of [
    [model.fakeAPool, 'fake_A'],
    [model.fakeBPool, 'fake_B'],
  ] as const) {
    const images: Tensor[] = [];
    for (let i = 0; tensors.has(`pool.${key}.${i}`); i++) images.push(tensors.get(`pool.${key}.${i}`)!);
    pool.restore(images);
  }
  if (state.poolRng) model.poolRng.restore(state.poolRng);
  if (model.average) {
    // A checkpoint without an average (written with ema_decay 0, or before it existed) starts it at the loaded weights.
    const own = new Map([...tensors].filter(([k]) => k.startsWith('ema.')));
    if (own.size === 0) model.average.copyFromLive();
    else {
      for (const which of ['netG_A', 'netG_B'] as const) {
        const prefix = `ema.${which}.`;
        model.average[which].loadStateDict(new Map([...own].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])), `${source} (ema.${which})`);
      }
    }
  }
}
