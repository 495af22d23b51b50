/**
 * When to write a resumable checkpoint between the save_frequency epochs: every `checkpoint_minutes`
 * of training. At 256 px with 1,000 images an epoch takes hours on a CPU, so epoch-end checkpoints
 * alone lose hours to a crash. Saving never changes the training state, so the result of a run does
 * not depend on when its checkpoints happened to be written.
 */
export class CheckpointTimer {
  private last: number;

  constructor(
    private readonly minutes: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.last = now();
  }

  /** True once `minutes` have passed since the start or the last reset. */
  due(): boolean {
    return this.now() - this.last >= this.minutes * 60_000;
  }

  reset(): void {
    this.last = this.now();
  }
}
