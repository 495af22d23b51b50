/**
 * What the run says after each training step: a `tick` every step (the progress line), and a `step`
 * event with speed and the time left every log_frequency steps (the log and the dashboard). Speed is
 * the mean over the steps this process has trained, so a resumed run does not count steps it did not time.
 */
import type { EventSink } from '../io/events.js';
import { lossNames, type CycleGan, type Losses } from '../model/cyclegan.js';

export interface StepPlace {
  epoch: number;
  maxEpoch: number;
  /** 0-based step within the epoch. */
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
}

export class StepReport {
  private steps = 0;
  private seconds = 0;

  constructor(
    private readonly emit: EventSink,
    private readonly logFrequency: number,
  ) {}

  /** Reports one trained step of `pairs` image pairs that took `seconds`. */
  record(at: StepPlace, model: CycleGan, losses: Losses, pairs: number, seconds: number): void {
    this.steps++;
    this.seconds += seconds;
    const perStep = this.seconds / this.steps;
    const { epoch, maxEpoch, step, stepsPerEpoch, globalStep } = at;
    this.emit({ type: 'tick', epoch, maxEpoch, step: step + 1, stepsPerEpoch, secondsPerStep: perStep, lrG: model.optimizerG.lr, losses });
    if (globalStep % this.logFrequency !== 0) return;
    const stepsLeft = stepsPerEpoch - step - 1 + (maxEpoch - epoch) * stepsPerEpoch;
    this.emit({
      type: 'step',
      epoch,
      maxEpoch,
      step: step + 1,
      stepsPerEpoch,
      globalStep,
      losses,
      lrG: model.optimizerG.lr,
      lrD: model.optimizerD.lr,
      secondsPerStep: perStep,
      imagesPerSecond: (pairs * 2) / perStep,
      etaSeconds: perStep * stepsLeft,
    });
  }
}

/** Sums of each loss over an epoch's steps, for the epoch's means. */
export class LossMeans {
  private readonly sums = Object.fromEntries(lossNames.map((n) => [n, 0])) as Losses;
  private count = 0;

  add(losses: Losses): void {
    for (const n of lossNames) this.sums[n] += losses[n];
    this.count++;
  }

  means(): Losses {
    return Object.fromEntries(lossNames.map((n) => [n, this.count ? this.sums[n] / this.count : 0])) as Losses;
  }
}
