/**
 * Deciding, before any pixel is decoded, whether an image is translated whole or in tiles, how large the
 * tiles are and whether the whole-image activations between steps live in memory or in scratch files.
 * The estimates count the translation's own data (activations, tile buffers, a band of the image),
 * not the fixed cost of the process (libtorch and the model). Their factors were fitted to measured peak
 * RSS (bench/large_image.ts); they are deliberately on the high side.
 */
import { freemem } from 'node:os';
import { ConfigError } from '../../errors.js';
import { storeBytes, type StoreKind } from './activation_store.js';
import type { LayerPlan, SlotShape } from './layer_plan.js';

/** Largest tile side tried first, in input pixels; halved while a tile does not fit. */
export const DEFAULT_TILE = 512;
/** Smallest tile side tried before giving up. */
export const MIN_TILE = 64;

/** Default --max_memory: half of what the system reports available, so other programs keep room. */
export function defaultMemoryBudget(): number {
  return Math.floor(freemem() * 0.5);
}

const elements = (s: SlotShape) => s.height * s.width * s.channels;

/**
 * Peak memory of the whole-image forward pass: about twelve copies of the largest activation (padding,
 * conv output, norm, the sub-pixel interleave) plus the decoded input and output. Measured (bench
 * large-image, ngf 8, above the RSS before translating): 4 MP 1.74 GB, 16 MP 5.6 GB; this gives 1.73 and 6.9.
 */
export function wholeImageBytes(plan: LayerPlan): number {
  const largest = Math.max(...plan.shapes.map(elements));
  const image = elements(plan.shapes[0] as SlotShape);
  return 4 * (12 * largest + 4 * image);
}

/** Peak of the stores alive at once when every step keeps its input and output whole. */
export function peakStoreBytes(plan: LayerPlan): number {
  const alive = new Set<number>([0]);
  const size = (slot: number) => {
    const s = plan.shapes[slot] as SlotShape;
    return storeBytes(s.height, s.width, s.channels);
  };
  let current = size(0);
  let peak = current;
  for (const step of plan.steps) {
    if ((step.kind === 'conv' || step.kind === 'conv_transpose') && !alive.has(step.to)) {
      alive.add(step.to);
      current += size(step.to);
      peak = Math.max(peak, current);
    } else if (step.kind === 'free' && alive.delete(step.slot)) {
      current -= size(step.slot);
    }
  }
  return peak;
}

/** Working memory of one tile of the costliest step: its input box with halo about seven times over (read buffer, tensor, transform, pad), its output about eight (conv, the statistics' deviations, the write buffer); measured peaks stay under it. */
export function tileWorkingBytes(plan: LayerPlan, tile: number): number {
  const input = plan.shapes[0] as SlotShape;
  let worst = 0;
  for (const step of plan.steps) {
    if (step.kind !== 'conv' && step.kind !== 'conv_transpose') continue;
    const from = plan.shapes[step.from] as SlotShape;
    const to = plan.shapes[step.to] as SlotShape;
    // A tile larger than the image is the image.
    const t = Math.max(8, Math.round((Math.min(tile, Math.max(input.height, input.width)) * to.height) / input.height));
    const k = step.layer.kernelSize;
    const scale = from.height / to.height;
    const inSide = Math.ceil(t * scale) + k;
    worst = Math.max(worst, 7 * inSide * inSide * from.channels + 8 * t * t * to.channels);
  }
  return 4 * worst;
}

/** Rows of width x 3 float32 allowed for libvips' strips while it decodes, resizes and encodes: measured about 30 MB a side at 8000 px wide, two threads. */
const LIBVIPS_ROWS = 320;

/**
 * One band (`tile` rows) of the image on its way in and out (band_image_io.ts): decoded bytes, their luma
 * and floats (1 + 1/3 + 4 bytes an input sample, 3 samples a pixel), and the last activation's floats
 * with their bytes (5 bytes an output sample); plus libvips' strips. No full-size copy: the scratch files
 * hold the image.
 */
export function imageBufferBytes(plan: LayerPlan, tile: number): number {
  const input = plan.shapes[0] as SlotShape;
  const rows = Math.min(tile, input.height);
  return rows * input.width * (3 + 1 + 4 * input.channels + 5 * input.channels) + LIBVIPS_ROWS * input.width * 3 * 4;
}

export interface MemoryDecision {
  tiled: boolean;
  /** Tile side in input pixels (tiled only). */
  tile: number;
  stores: StoreKind;
  /** Estimated peak of the chosen way. */
  estimatedBytes: number;
  /** Estimated peak of the whole-image pass, for the record. */
  wholeBytes: number;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return bytes >= 2 ** 20 ? `${Math.ceil(bytes / 2 ** 20)} MiB` : `${Math.ceil(bytes / 2 ** 10)} KiB`;
}

/**
 * Whole when it fits `budget` (unless `tile` forces tiling); otherwise the largest tile (from `tile` or
 * DEFAULT_TILE down to MIN_TILE) that fits, with activations in memory when they fit too, else in scratch
 * files. Throws a ConfigError when not even the smallest tile fits.
 */
export function decideMemory(plan: LayerPlan, o: { budget: number; tile?: number }): MemoryDecision {
  const wholeBytes = wholeImageBytes(plan);
  if (o.tile === undefined && wholeBytes <= o.budget) return { tiled: false, tile: 0, stores: 'memory', estimatedBytes: wholeBytes, wholeBytes };
  const stores = peakStoreBytes(plan);
  const first = o.tile ?? DEFAULT_TILE;
  for (let tile = first; ; tile = Math.floor(tile / 2)) {
    const working = tileWorkingBytes(plan, tile) + imageBufferBytes(plan, tile);
    if (working + stores <= o.budget) return { tiled: true, tile, stores: 'memory', estimatedBytes: working + stores, wholeBytes };
    if (working <= o.budget) return { tiled: true, tile, stores: 'file', estimatedBytes: working, wholeBytes };
    if (o.tile !== undefined || tile / 2 < MIN_TILE) {
      const input = plan.shapes[0] as SlotShape;
      throw new ConfigError(
        `Expected --max_memory large enough for one ${tile} px tile of this ${input.width}x${input.height} image but received ${formatBytes(o.budget)}: ` +
          `one tile needs about ${formatBytes(tileWorkingBytes(plan, tile))} and a band of the image ${formatBytes(imageBufferBytes(plan, tile))}. ` +
          `Raise --max_memory to at least ${formatBytes(working)}${o.tile !== undefined ? ' or lower --tile_size' : ''}`,
      );
    }
  }
}
