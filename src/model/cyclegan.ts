/**
 * CycleGAN (Zhu et al., ICCV 2017): two generators and two discriminators trained with adversarial,
 * cycle-consistency and identity losses, after CycleGANModel in junyanz/pytorch-CycleGAN-and-pix2pix
 * (models/cycle_gan_model.py). Names follow the reference code; in the paper's notation:
 *
 *   code     paper   role
 *   G_A      G       X -> Y (source to target; the exported model)
 *   G_B      F       Y -> X
 *   D_A      D_Y     real Y vs G(X)
 *   D_B      D_X     real X vs F(Y)
 *
 * `lossNames` and `modelNames` drive logging and saving: add a loss here and it is logged everywhere.
 */
import { setImmediate as nextEventLoopTurn } from 'node:timers/promises';
import { Adam, fusedForward, l1Loss, noGrad, tidy, tidyAsync, withConvolutionPrecision, withWeightCasts, type ConvolutionPrecision, type Module, type Tensor } from '../engine/index.js';
import { ganLoss, type GanMode } from './gan_loss.js';
import { GeneratorAverage } from './generator_average.js';
import { ImagePool } from './image_pool.js';
import { modelNames, type ModelName } from './model_names.js';
import { cycleGanStateDict, loadCycleGanState, type CycleGanState } from './cyclegan_state.js';
import type { InitType } from './init_weights.js';
import type { Rng } from '../engine/rng.js';
import { defineD, defineG, type GeneratorSpec, type NetD, type NetG } from './networks.js';
import type { NormType } from './norm_layer.js';

export const lossNames = ['D_A', 'G_A', 'cycle_A', 'idt_A', 'D_B', 'G_B', 'cycle_B', 'idt_B'] as const;
export type LossName = (typeof lossNames)[number];
export type Losses = Record<LossName, number>;
export { modelNames, type ModelName };

/**
 * Called after a phase's backward and before its optimizer step, with that optimizer's parameters:
 * data-parallel training averages their gradients across ranks here (src/train/distributed_context.ts).
 * The step may run D's phase while the G hook's promise is pending (trainStepWithHook's `overlap`).
 */
export type GradientHook = (phase: 'G' | 'D', params: readonly Tensor[]) => void | Promise<void>;

export interface CycleGanOptions {
  channels: number;
  ngf: number;
  ndf: number;
  nBlocks: number;
  /** The reference's model options; defaults resnet_9blocks, basic, 3, instance, no dropout, normal 0.02, lsgan. */
  netG?: NetG;
  netD?: NetD;
  nLayersD?: number;
  norm?: NormType;
  dropout?: boolean;
  initType?: InitType;
  initGain?: number;
  ganMode?: GanMode;
  gLearningRate: number;
  dLearningRate: number;
  /** Weight of the cycle losses (the reference's lambda_A = lambda_B); default 10. */
  lambdaCycle: number;
  /** Identity loss weight relative to lambdaCycle; default 0.5. */
  lambdaIdentity: number;
  /** Fakes kept for the discriminators; default 50. */
  poolSize: number;
  /** The image pools' random generator (the run's seeded stream); the model owns it from here on, and its state is part of stateDict(). */
  poolRng: Rng;
  /** Decay of the generators' weight average (generator_average.ts); 0 or absent: no average. */
  emaDecay?: number;
  /** Convolution precision; default float32. */
  precision?: ConvolutionPrecision;
  /** Where the networks and optimizer state live ('cpu', 'cuda', 'cuda:N'); default cpu. Weights are drawn on the CPU first, so a seed gives the same initial weights on every device. */
  device?: string;
}

export class CycleGan {
  readonly netG_A: Module;
  readonly netG_B: Module;
  readonly netD_A: Module;
  readonly netD_B: Module;
  readonly optimizerG: Adam;
  readonly optimizerD: Adam;
  readonly fakeAPool: ImagePool;
  readonly fakeBPool: ImagePool;
  readonly poolRng: Rng;
  /** The generators' weight average when `emaDecay` is on; what translation uses then (generatorForUse). */
  readonly average: GeneratorAverage | null;

  constructor(readonly options: CycleGanOptions) {
    const g = this.generatorSpec();
    const d = { netD: options.netD, channels: options.channels, ndf: options.ndf, nLayers: options.nLayersD, norm: options.norm };
    const init = { type: options.initType ?? 'normal', gain: options.initGain ?? 0.02 };
    this.netG_A = defineG(g, init);
    this.netG_B = defineG(g, init);
    this.netD_A = defineD(d, init);
    this.netD_B = defineD(d, init);
    if (options.device && options.device !== 'cpu') for (const net of Object.values(this.nets())) net.to(options.device);
    const betas: [number, number] = [0.5, 0.999];
    this.optimizerG = new Adam([...this.netG_A.parameters(), ...this.netG_B.parameters()], { lr: options.gLearningRate, betas });
    this.optimizerD = new Adam([...this.netD_A.parameters(), ...this.netD_B.parameters()], { lr: options.dLearningRate, betas });
    this.poolRng = options.poolRng;
    const random = () => this.poolRng.next();
    this.fakeAPool = new ImagePool(options.poolSize, random);
    this.fakeBPool = new ImagePool(options.poolSize, random);
    this.average = options.emaDecay ? new GeneratorAverage(this, g, options.emaDecay, options.device) : null;
  }

  /** The generator that translates for samples, Data/, metrics and model files: the average when there is one. */
  generatorForUse(direction: 'AtoB' | 'BtoA' = 'AtoB'): Module {
    const owner = this.average ?? this;
    return direction === 'AtoB' ? owner.netG_A : owner.netG_B;
  }

  #stepG(): void {
    this.optimizerG.step();
    this.average?.update(this.optimizerG.stepCount);
  }

  /** What rebuilds either generator (saved with generator files). */
  generatorSpec(): GeneratorSpec {
    const o = this.options;
    return { netG: o.netG ?? 'resnet_9blocks', channels: o.channels, ngf: o.ngf, nBlocks: o.netG === 'resnet_6blocks' ? 6 : o.nBlocks, norm: o.norm ?? 'instance', dropout: o.dropout ?? false };
  }

  nets(): Record<ModelName, Module> {
    return { netG_A: this.netG_A, netG_B: this.netG_B, netD_A: this.netD_A, netD_B: this.netD_B };
  }

  /** Every parameter, named "netG_A.model.1.weight" etc. */
  namedParameters(): [string, Tensor][] {
    return modelNames.flatMap((name) => this.nets()[name].namedParameters(`${name}.`));
  }

  /** Every buffer (BatchNorm running statistics), named like namedParameters. */
  namedBuffers(): [string, Tensor][] {
    return modelNames.flatMap((name) => this.nets()[name].namedBuffers(`${name}.`));
  }

  /** Networks, optimizer moments, image pools and the pools' generator under flat names (cyclegan_state.ts); live tensors, not copies. */
  stateDict(): CycleGanState {
    return cycleGanStateDict(this);
  }

  /** Restores a stateDict(); `source` names where it came from in errors. */
  loadStateDict(state: CycleGanState, source = 'state dict'): void {
    loadCycleGanState(this, state, source);
  }

  /** One optimize_parameters() of the reference: generators first, then both discriminators. */
  trainStep(realA: Tensor, realB: Tensor): Losses {
    return withConvolutionPrecision(this.options.precision ?? 'float32', () =>
      tidy(() => {
        const g = this.#generatorPhase(realA, realB);
        this.#stepG();
        const d = this.#discriminatorPhase(g);
        this.optimizerD.step();
        return lossesOf(g, d);
      }),
    );
  }

  /**
   * trainStep with `afterBackward` called between each phase's backward and its optimizer step (awaited when
   * it returns a promise). With `overlap` (the default) the discriminators' forward and backward run while
   * the G hook's promise is pending, and G's optimizer step waits for it: D's phase reads the fakes made
   * before G's step (detached) and only D's weights, and G's step touches neither, so every operation sees
   * the same values as in the plain order and the result is bit-identical; data-parallel training averages
   * G's gradients off the JavaScript thread meanwhile. `overlap: false` keeps the reference's order.
   */
  async trainStepWithHook(realA: Tensor, realB: Tensor, afterBackward: GradientHook, { overlap = true }: { overlap?: boolean } = {}): Promise<Losses> {
    const inPrecision = <R>(fn: () => R): R => withConvolutionPrecision(this.options.precision ?? 'float32', fn);
    return tidyAsync(async () => {
      const g = inPrecision(() => this.#generatorPhase(realA, realB));
      const reducedG = Promise.resolve(afterBackward('G', this.optimizerG.params));
      let d: DiscriminatorLosses;
      if (overlap) {
        // Awaited below; until then a failure must not count as unhandled.
        reducedG.catch(() => undefined);
        // One turn of the event loop lets the hook's work leave this thread (c10d queues it on a worker) before D's phase occupies it.
        await nextEventLoopTurn();
        d = inPrecision(() => this.#discriminatorPhase(g));
        await reducedG;
        this.#stepG();
      } else {
        await reducedG;
        this.#stepG();
        d = inPrecision(() => this.#discriminatorPhase(g));
      }
      await afterBackward('D', this.optimizerD.params);
      this.optimizerD.step();
      return lossesOf(g, d);
    });
  }

  /** backward_G: translations, cycles and identities, G losses against frozen discriminators, and their gradients. */
  #generatorPhase(realA: Tensor, realB: Tensor): GeneratorPhase {
    // Each phase (one optimizer's forward and backward) shares one low-precision copy of each weight.
    return withWeightCasts(() => this.#generatorForwardBackward(realA, realB));
  }

  #generatorForwardBackward(realA: Tensor, realB: Tensor): GeneratorPhase {
    const fakeB = this.netG_A.forward(realA);
    const recA = this.netG_B.forward(fakeB);
    const fakeA = this.netG_B.forward(realB);
    const recB = this.netG_A.forward(fakeA);

    // Generators: the discriminators are frozen so the G loss leaves no gradients on them.
    this.netD_A.setRequiresGrad(false);
    this.netD_B.setRequiresGrad(false);
    this.optimizerG.zeroGrad();
    const lambda = this.options.lambdaCycle;
    const idtWeight = lambda * this.options.lambdaIdentity;
    const idtA = idtWeight > 0 ? l1Loss(this.netG_A.forward(realB), realB).mul(idtWeight) : null;
    const idtB = idtWeight > 0 ? l1Loss(this.netG_B.forward(realA), realA).mul(idtWeight) : null;
    const mode = this.options.ganMode;
    const lossGA = ganLoss(this.netD_A.forward(fakeB), true, mode);
    const lossGB = ganLoss(this.netD_B.forward(fakeA), true, mode);
    const cycleA = l1Loss(recA, realA).mul(lambda);
    const cycleB = l1Loss(recB, realB).mul(lambda);
    let lossG = lossGA.add(lossGB).add(cycleA).add(cycleB);
    if (idtA && idtB) lossG = lossG.add(idtA).add(idtB);
    lossG.backward();
    return { realA, realB, fakeA, fakeB, lossGA, lossGB, cycleA, cycleB, idtA, idtB };
  }

  /** backward_D for both discriminators, on real images and on fakes drawn from the history pools; D's gradients, and its losses. */
  #discriminatorPhase(g: GeneratorPhase): DiscriminatorLosses {
    this.netD_A.setRequiresGrad(true);
    this.netD_B.setRequiresGrad(true);
    this.optimizerD.zeroGrad();
    const lossDA = withWeightCasts(() => this.#discriminatorLoss(this.netD_A, g.realB, this.fakeBPool.query(g.fakeB.detach())));
    const lossDB = withWeightCasts(() => this.#discriminatorLoss(this.netD_B, g.realA, this.fakeAPool.query(g.fakeA.detach())));
    return { lossDA, lossDB };
  }

  /** backward_D_basic: half the sum of the real and fake GAN losses; returns its value. */
  #discriminatorLoss(net: Module, real: Tensor, fake: Tensor): number {
    const mode = this.options.ganMode;
    const loss = ganLoss(net.forward(real), true, mode).add(ganLoss(net.forward(fake), false, mode)).mul(0.5);
    loss.backward();
    return loss.item();
  }

  /** Translates a batch without gradients, in eval mode: AtoB with G_A (X -> Y), BtoA with G_B. */
  translate(images: Tensor, direction: 'AtoB' | 'BtoA' = 'AtoB'): Tensor {
    const net = this.generatorForUse(direction);
    // Eval mode: BatchNorm uses its running statistics and leaves them alone, Dropout is off.
    const wasTraining = net.training;
    net.eval();
    try {
      return withConvolutionPrecision(this.options.precision ?? 'float32', () => noGrad(() => fusedForward(net)(images)));
    } finally {
      net.train(wasTraining);
    }
  }

  setLearningRates(g: number, d: number): void {
    this.optimizerG.lr = g;
    this.optimizerD.lr = d;
  }

  dispose(): void {
    for (const net of Object.values(this.nets())) net.dispose();
    this.average?.dispose();
    this.optimizerG.dispose();
    this.optimizerD.dispose();
    this.fakeAPool.clear();
    this.fakeBPool.clear();
  }
}

/** What G's phase leaves for D's phase and the step's losses. */
interface GeneratorPhase {
  realA: Tensor;
  realB: Tensor;
  fakeA: Tensor;
  fakeB: Tensor;
  lossGA: Tensor;
  lossGB: Tensor;
  cycleA: Tensor;
  cycleB: Tensor;
  idtA: Tensor | null;
  idtB: Tensor | null;
}

interface DiscriminatorLosses {
  lossDA: number;
  lossDB: number;
}

function lossesOf(g: GeneratorPhase, d: DiscriminatorLosses): Losses {
  return {
    D_A: d.lossDA,
    G_A: g.lossGA.item(),
    cycle_A: g.cycleA.item(),
    idt_A: g.idtA ? g.idtA.item() : 0,
    D_B: d.lossDB,
    G_B: g.lossGB.item(),
    cycle_B: g.cycleB.item(),
    idt_B: g.idtB ? g.idtB.item() : 0,
  };
}
