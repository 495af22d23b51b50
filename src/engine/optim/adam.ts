/**
 * Adam (Kingma & Ba), with the arithmetic of torch.optim.Adam so a step matches PyTorch to rounding.
 * The update of all parameters runs in one native call.
 */
import { ConfigError } from '../../errors.js';
import { zeros } from '../create.js';
import { native } from '../native.js';
import { keep } from '../scope.js';
import { run, type Tensor } from '../tensor.js';
import { copyInto, zeroGrad } from '../runtime.js';

export interface AdamOptions {
  /** Learning rate; default 1e-3 as in PyTorch. */
  lr?: number;
  /** Decay rates of the first and second moment; default [0.9, 0.999]. */
  betas?: [number, number];
  /** Added to the denominator; default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number;
}

/** Everything needed to resume: moments as tensors, the rest as plain numbers. */
export interface AdamState {
  step: number;
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  expAvg: Tensor[];
  expAvgSq: Tensor[];
}

export class Adam {
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  #step = 0;
  readonly #expAvg: Tensor[];
  readonly #expAvgSq: Tensor[];

  constructor(
    readonly params: Tensor[],
    options: AdamOptions = {},
  ) {
    this.lr = options.lr ?? 1e-3;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.lr > 0)) throw new ConfigError(`Expected a positive learning rate but received ${this.lr}`);
    this.#expAvg = params.map((p) => keep(zeros(p.shape, { dtype: p.dtype, device: p.device })));
    this.#expAvgSq = params.map((p) => keep(zeros(p.shape, { dtype: p.dtype, device: p.device })));
  }

  get stepCount(): number {
    return this.#step;
  }

  /** Drops the parameters' gradients before the next backward pass. */
  zeroGrad(): void {
    zeroGrad(this.params);
  }

  step(): void {
    this.#step += 1;
    const [beta1, beta2] = this.betas;
    run('adam_step', this.params, () =>
      native().adamStep(
        this.params.map((p) => p.handle),
        this.#expAvg.map((t) => t.handle),
        this.#expAvgSq.map((t) => t.handle),
        this.#step,
        this.lr,
        beta1,
        beta2,
        this.eps,
        this.weightDecay,
      ),
    );
  }

  /** The live state (moments are the optimizer's own tensors: copy or save them, do not dispose them). */
  stateDict(): AdamState {
    return { step: this.#step, lr: this.lr, betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay, expAvg: [...this.#expAvg], expAvgSq: [...this.#expAvgSq] };
  }

  /** Restores moments, step count and learning rate saved by stateDict(). */
  loadStateDict(state: Pick<AdamState, 'step' | 'lr' | 'expAvg' | 'expAvgSq'>): void {
    if (state.expAvg.length !== this.params.length || state.expAvgSq.length !== this.params.length) {
      throw new ConfigError(`optimizer state holds ${state.expAvg.length} moments but the optimizer has ${this.params.length} parameters`);
    }
    state.expAvg.forEach((t, i) => copyInto(this.#expAvg[i], t));
    state.expAvgSq.forEach((t, i) => copyInto(this.#expAvgSq[i], t));
    this.#step = state.step;
    this.lr = state.lr;
  }

  dispose(): void {
    for (const t of [...this.#expAvg, ...this.#expAvgSq]) t.dispose();
  }
}
