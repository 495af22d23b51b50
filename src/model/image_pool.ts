/**
 * The history of generated images that discriminators train on (Shrivastava et al. 2017), as ImagePool
 * in the reference (util/image_pool.py): until the pool is full every image is stored and returned;
 * afterwards, with probability 1/2 a stored image is returned and replaced by the new one.
 */
import { cat, keep, type Tensor } from '../engine/index.js';

export class ImagePool {
  readonly #images: Tensor[] = [];

  /** `random` gives uniform numbers in [0, 1): the run's seeded generator, so the pool is reproducible. */
  constructor(
    readonly size: number,
    readonly random: () => number,
  ) {}

  get images(): readonly Tensor[] {
    return this.#images;
  }

  /** Takes a batch [N, C, H, W] of (detached) fakes; returns a batch of the same size to train on. */
  query(images: Tensor): Tensor {
    if (this.size === 0) return images;
    const n = images.shape[0];
    const chosen: Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const image = images.slice(0, i, i + 1).detach();
      if (this.#images.length < this.size) {
        this.#images.push(keep(image.clone()));
        chosen.push(image);
      } else if (this.random() > 0.5) {
        const slot = Math.floor(this.random() * this.size);
        const old = this.#images[slot];
        chosen.push(old.clone());
        old.dispose();
        this.#images[slot] = keep(image.clone());
      } else {
        chosen.push(image);
      }
    }
    return cat(chosen, 0);
  }

  /** Replaces the contents (restoring a checkpoint); takes ownership of the tensors. */
  restore(images: Tensor[]): void {
    this.clear();
    for (const t of images) this.#images.push(keep(t));
  }

  clear(): void {
    for (const t of this.#images) t.dispose();
    this.#images.length = 0;
  }
}
