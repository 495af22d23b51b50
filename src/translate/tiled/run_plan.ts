/**
 * Runs a LayerPlan step by step over tiles. Each convolution reads its whole input activation (from
 * memory or a scratch file) a tile plus halo at a time and writes its whole output; instance norms
 * normalise with statistics gathered over the whole output, so the result is the whole-image forward
 * pass, only in a different order of summation.
 */
import { emptyCache, noGrad, tensor, tidy, withConvolutionPrecision, type ConvolutionPrecision } from '../../engine/index.js';
import type { ActivationStore } from './activation_store.js';
import { ChannelStats } from './channel_stats.js';
import type { LayerPlan, PlanStep, SlotShape } from './layer_plan.js';
import { convTile, convTransposeTile, readHwc, releaseTileBuffers, tiles, writeBox, writeHwc, type Activation } from './tile_ops.js';

export interface RunPlanOptions {
  /** Tile side in pixels of the input image; each step scales it to its own resolution. */
  tile: number;
  device: string;
  precision?: ConvolutionPrecision;
  /** Makes the store for a slot (memory or scratch file, as the memory plan decided). */
  createStore: (shape: SlotShape) => ActivationStore;
  /** Called after each unit of work (a tile or a band of a residual addition). */
  onProgress?: (done: number, total: number) => void;
}

/** The tile side for a step whose output is `shape`, from the tile side at the input's resolution. */
function tileFor(plan: LayerPlan, shape: SlotShape, tile: number): number {
  const input = plan.shapes[0] as SlotShape;
  return Math.max(8, Math.round((tile * shape.height) / input.height));
}

function unitsOf(plan: LayerPlan, step: PlanStep, tile: number): number {
  if (step.kind === 'conv' || step.kind === 'conv_transpose' || step.kind === 'residual') {
    const shape = plan.shapes[step.kind === 'residual' ? step.into : step.to] as SlotShape;
    return tiles(shape.height, shape.width, tileFor(plan, shape, tile)).length;
  }
  return 0;
}

/** Total units of work, for progress. */
export function planUnits(plan: LayerPlan, tile: number): number {
  return plan.steps.reduce((n, step) => n + unitsOf(plan, step, tile), 0);
}

/**
 * Runs the plan on `input` (slot 0, which it takes over and disposes) and returns the output
 * activation, whose reads apply the final activation; the caller disposes its store.
 */
export function runPlan(plan: LayerPlan, input: ActivationStore, o: RunPlanOptions): Activation {
  const slots = new Map<number, Activation>([[0, { store: input, scale: null, shift: null, fn: 'none' }]]);
  const stats = new Map<number, ChannelStats>();
  const total = planUnits(plan, o.tile);
  let done = 0;
  const tick = () => o.onProgress?.(++done, total);
  const get = (slot: number) => slots.get(slot) as Activation;
  try {
    withConvolutionPrecision(o.precision ?? 'float32', () =>
      noGrad(() => {
        for (const step of plan.steps) {
          switch (step.kind) {
            case 'conv':
            case 'conv_transpose': {
              const shape = plan.shapes[step.to] as SlotShape;
              const out = o.createStore(shape);
              slots.set(step.to, { store: out, scale: null, shift: null, fn: 'none' });
              const s = step.statistics ? new ChannelStats(shape.channels) : null;
              if (s) stats.set(step.to, s);
              for (const box of tiles(shape.height, shape.width, tileFor(plan, shape, o.tile))) {
                if (step.kind === 'conv') convTile(get(step.from), step.layer, step.padding, out, box, o.device, s);
                else convTransposeTile(get(step.from), step.layer, out, box, o.device, s);
                tick();
              }
              // The next step's tiles have other sizes: hand this one's cached blocks back rather than keep both.
              if (o.device === 'cpu') emptyCache();
              break;
            }
            case 'norm': {
              const s = stats.get(step.slot) as ChannelStats;
              const affine = step.layer.weight && step.layer.bias ? { weight: step.layer.weight.toFloat32(), bias: step.layer.bias.toFloat32() } : null;
              Object.assign(get(step.slot), s.normalisation(step.layer.options.eps ?? 1e-5, affine?.weight, affine?.bias));
              stats.delete(step.slot);
              break;
            }
            case 'activation':
              get(step.slot).fn = step.fn;
              break;
            case 'residual': {
              const into = get(step.into);
              const add = get(step.add);
              const { height, width } = into.store;
              // In place, tile by tile: each element is read once and written once, so order does not matter.
              for (const box of tiles(height, width, tileFor(plan, plan.shapes[step.into] as SlotShape, o.tile))) {
                // In the stores' own layout: no layout change on either side.
                tidy(() => writeHwc(into.store, box.y0, box.x0, readHwc(into, box, o.device).add(readHwc(add, box, o.device))));
                tick();
              }
              Object.assign(into, { scale: null, shift: null, fn: 'none' });
              break;
            }
            case 'free':
              get(step.slot).store.dispose();
              slots.delete(step.slot);
              break;
          }
        }
      }),
    );
  } catch (error) {
    for (const a of slots.values()) a.store.dispose();
    throw error;
  } finally {
    releaseTileBuffers();
  }
  return get(plan.output);
}

/** Rows [y0, y1) of the output, channels last, with its final activation applied. */
export function readOutputRows(out: Activation, y0: number, y1: number, device = 'cpu'): Float32Array {
  return tidy(() => readHwc(out, { y0, y1, x0: 0, x1: out.store.width }, device).toFloat32());
}

/** Fills a store from CHW data (tests, and small images already in memory). */
export function storeFromChw(store: ActivationStore, chw: Float32Array): ActivationStore {
  const { height, width, channels } = store;
  tidy(() => writeBox(store, 0, 0, tensor(chw, [1, channels, height, width])));
  return store;
}
