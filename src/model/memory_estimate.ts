/**
 * How much memory a model needs, estimated from its shape before any tensor is allocated, so that a
 * parameter (ngf 100000) or a damaged model file (metadata claiming ngf 1e9) is refused with a number
 * instead of ending in std::bad_alloc or stalling the machine in swap.
 *
 * The counts of weights are exact (the layers of resnet_generator.ts and patch_discriminator.ts); the
 * activation term is a floor: the outputs a training step keeps for backward through its six generator
 * passes (fake, reconstruction and identity in each direction). At 256 px with the defaults it comes to
 * 3.0 GiB, the peak RSS measured in the train-step benchmark, so a refusal means the run cannot fit.
 */
import { totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

const GIB = 2 ** 30;

/** Weights and biases of the ResNet generator. */
export function generatorParameterCount(channels: number, ngf: number, nBlocks: number): number {
  const conv = (cin: number, cout: number, k: number) => cin * cout * k * k + cout;
  return conv(channels, ngf, 7) + conv(ngf, 2 * ngf, 3) + conv(2 * ngf, 4 * ngf, 3) + nBlocks * 2 * conv(4 * ngf, 4 * ngf, 3) + conv(4 * ngf, 2 * ngf, 3) + conv(2 * ngf, ngf, 3) + conv(ngf, channels, 7);
}

/** Weights and biases of the 70x70 PatchGAN discriminator (3 strided layers). */
export function discriminatorParameterCount(channels: number, ndf: number): number {
  const conv = (cin: number, cout: number) => cin * cout * 16 + cout;
  return conv(channels, ndf) + conv(ndf, 2 * ndf) + conv(2 * ndf, 4 * ndf) + conv(4 * ndf, 8 * ndf) + conv(8 * ndf, 1);
}

/** Floats one generator pass keeps per image: four tensors per layer at full size, three per layer at 1/2, eight per residual block at 1/4. */
function generatorActivations(ngf: number, nBlocks: number, height: number, width: number): number {
  const hw = height * width;
  return hw * ngf * 8 + (hw / 4) * 2 * ngf * 6 + (hw / 16) * 4 * ngf * (3 + 8 * nBlocks);
}

export interface TrainingShape {
  image_channel: number;
  image_height: number;
  image_width: number;
  batch_size: number;
  ngf: number;
  ndf: number;
  n_blocks: number;
}

/** Bytes a training step needs at least: weights, gradients and Adam's two moments of all four networks, plus activations. */
export function trainingMemoryBytes(p: TrainingShape): number {
  const weights = 2 * generatorParameterCount(p.image_channel, p.ngf, p.n_blocks) + 2 * discriminatorParameterCount(p.image_channel, p.ndf);
  return 4 * (4 * weights + 6 * p.batch_size * generatorActivations(p.ngf, p.n_blocks, p.image_height, p.image_width));
}

/** Bytes translating one image needs at least: the generator's weights and its two largest activations. */
export function translationMemoryBytes(channels: number, ngf: number, nBlocks: number, height: number, width: number): number {
  return 4 * (generatorParameterCount(channels, ngf, nBlocks) + 2 * ngf * height * width);
}

/** The memory this process may use: the machine's, or a container's cgroup limit when lower. */
export function availableMemoryBytes(): number {
  let limit = totalmem();
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const value = Number(readFileSync(file, 'utf8').trim());
      if (Number.isFinite(value) && value > 0) limit = Math.min(limit, value);
    } catch {
      // not in a cgroup with a limit (or not Linux)
    }
  }
  return limit;
}

/** "12.3 GiB" (or "1.2e+12 GiB"), for messages. */
export function gibibytes(bytes: number): string {
  const g = bytes / GIB;
  return `${g < 1e6 ? g.toFixed(1) : g.toExponential(1)} GiB`;
}
