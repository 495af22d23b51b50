/**
 * An exponential moving average of both generators' weights (`ema_decay`), the copy that samples,
 * Data/, the metrics and the model files use when it is on. A GAN's generator oscillates around
 * where its adversarial game would settle; the average sits nearer that point than any single step.
 * The decay warms up as (1 + t) / (10 + t) over the first optimizer steps t (capped at `decay`), so
 * the average does not hold on to the untrained initial weights. Buffers (BatchNorm statistics) are
 * copied, not averaged. Training itself never reads the average: it changes no step.
 */
import { copyInto, noGrad, tidy, type Module, type Tensor } from '../engine/index.js';
import { defineG, type GeneratorSpec } from './networks.js';

export class GeneratorAverage {
  readonly netG_A: Module;
  readonly netG_B: Module;
  /** [average, live, is a parameter]: fixed once built (weights are copied into, never replaced). */
  readonly #pairs: [Tensor, Tensor, boolean][];

  constructor(
    private readonly live: { readonly netG_A: Module; readonly netG_B: Module },
    spec: GeneratorSpec,
    readonly decay: number,
    device = 'cpu',
  ) {
    this.netG_A = defineG(spec).eval();
    this.netG_B = defineG(spec).eval();
    if (device !== 'cpu') for (const net of [this.netG_A, this.netG_B]) net.to(device);
    this.#pairs = this.pairs();
    this.copyFromLive();
  }

  /** The average restarts at the live weights (a fresh run, or a checkpoint that has none). */
  copyFromLive(): void {
    noGrad(() => {
      for (const [avg, live] of this.#pairs) copyInto(avg, live);
    });
  }

  /** After the generators' optimizer step number `step` (1 for the first). */
  update(step: number): void {
    const decay = Math.min(this.decay, (1 + step) / (10 + step));
    noGrad(() =>
      tidy(() => {
        for (const [avg, live, isParameter] of this.#pairs) copyInto(avg, isParameter ? avg.add(live.sub(avg).mul(1 - decay)) : live);
      }),
    );
  }

  /** The averaged tensors under the live networks' names, prefixed "ema.": "ema.netG_A.model.1.weight". */
  namedState(): [string, Tensor][] {
    return [...this.netG_A.namedState('ema.netG_A.'), ...this.netG_B.namedState('ema.netG_B.')];
  }

  dispose(): void {
    this.netG_A.dispose();
    this.netG_B.dispose();
  }

  /** [average, live, is a parameter] for every parameter and buffer of both generators, in the same order. */
  private pairs(): [Tensor, Tensor, boolean][] {
    const out: [Tensor, Tensor, boolean][] = [];
    for (const which of ['netG_A', 'netG_B'] as const) {
      const avg = this[which];
      const live = this.live[which];
      const liveParams = live.namedParameters();
      avg.namedParameters().forEach(([, t], i) => out.push([t, liveParams[i]![1], true]));
      const liveBuffers = live.namedBuffers();
      avg.namedBuffers().forEach(([, t], i) => out.push([t, liveBuffers[i]![1], false]));
    }
    return out;
  }
}
