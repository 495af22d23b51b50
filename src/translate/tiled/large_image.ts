/**
 * Large images in predict --keep_size: each image's cost is estimated from its header before decoding;
 * one whose whole-image pass would not fit --max_memory (or every image, with --tile_size) is decoded in
 * bands, translated tile by tile (run_plan.ts) and written from bands, with progress events per tile.
 * Needs the engine's generator module (a checkpoint): an .onnx or .pb graph cannot be cut into steps.
 */
import { Sequential, type ConvolutionPrecision, type Module } from '../../engine/index.js';
import { DEFAULT_MAX_PIXELS } from '../../data/open_image.js';
import { ConfigError } from '../../errors.js';
import type { EventSink } from '../../io/events.js';
import { orientedSize, roundToMultipleOf4, type Size } from '../../data/native_size.js';
import { createStore } from './activation_store.js';
import { readImageInBands, writeImageFromBands } from './band_image_io.js';
import { compilePlan } from './layer_plan.js';
import { decideMemory, defaultMemoryBudget, formatBytes } from './memory_plan.js';
import { runPlan } from './run_plan.js';
import { scratchFolderFor } from './scratch_folder.js';

export interface LargeImageOptions {
  /** Bytes the translation's own data may take (--max_memory); default: half the memory the system reports available. */
  maxMemory?: number;
  /** Tile every image with tiles of this side in pixels (--tile_size); default: tile only what does not fit, 512 px or less. */
  tileSize?: number;
  /** Largest image accepted, width x height (--max_pixels); default the validation's 100 000 000. */
  maxPixels?: number;
  /** Folder for scratch files when activations do not fit in memory; default the system's temporary folder, or the output's folder when that is in memory (scratch_folder.ts). */
  scratchDir?: string;
}

export interface LargeImageTranslator {
  /** Translates `path` into `target` in tiles when it needs them and returns true; false: translate it the ordinary way. */
  translateIfLarge(path: string, target: string, channels: 1 | 3, onEvent?: EventSink): Promise<boolean>;
}

/** The layers of an engine generator: its `model` Sequential (ResnetGenerator, a .pth-loaded one alike) or the module itself. */
function layersOf(net: Module): Module {
  const model = (net as { model?: unknown }).model;
  return model instanceof Sequential ? model : net;
}

/** Says, before any image is read, that tiling was asked for a model that cannot be tiled. */
export function checkTilingSupported(format: string, options: LargeImageOptions | undefined): void {
  if (options?.tileSize !== undefined) {
    throw new ConfigError(`Expected a checkpoint (.safetensors) for --tile_size but the model is ${format === 'onnx' ? 'an .onnx graph' : 'a frozen .pb graph'}: tiled translation runs the generator's layers one by one, which needs its weights. Predict from the checkpoint it was exported from`);
  }
}

export function largeImageTranslator(net: Module, device: string, precision: ConvolutionPrecision, options: LargeImageOptions = {}): LargeImageTranslator {
  const budget = options.maxMemory ?? defaultMemoryBudget();
  return {
    async translateIfLarge(path, target, channels, onEvent) {
      let original: Size;
      try {
        original = await orientedSize(path, options.maxPixels ?? DEFAULT_MAX_PIXELS);
      } catch {
        return false; // the ordinary path reports the unreadable file
      }
      const size = { height: roundToMultipleOf4(original.height), width: roundToMultipleOf4(original.width) };
      const plan = compilePlan(layersOf(net), { ...size, channels });
      const decision = decideMemory(plan, { budget, tile: options.tileSize });
      if (!decision.tiled) return false;
      const scratch = scratchFolderFor(target, options.scratchDir);
      onEvent?.({
        type: 'info',
        message: `${path}: ${original.width}x${original.height}, about ${formatBytes(decision.wholeBytes)} whole against --max_memory ${formatBytes(budget)}; translating in ${decision.tile} px tiles, activations in ${decision.stores === 'memory' ? 'memory' : `scratch files under ${scratch.folder} (${scratch.why})`}`,
      });
      const store = (h: number, w: number, c: number) => createStore(decision.stores, h, w, c, scratch.folder);
      const input = store(size.height, size.width, channels);
      try {
        await readImageInBands(path, input, original, decision.tile, options.maxPixels ?? DEFAULT_MAX_PIXELS, scratch.folder);
      } catch (error) {
        input.dispose();
        throw error;
      }
      const started = Date.now();
      let reported = 0;
      const out = runPlan(plan, input, {
        tile: decision.tile,
        device,
        precision,
        createStore: (s) => store(s.height, s.width, s.channels),
        onProgress: (done, total) => {
          // At most one event a second, and the last one.
          const now = Date.now();
          if (done < total && now - reported < 1000) return;
          reported = now;
          const elapsed = (now - started) / 1000;
          onEvent?.({ type: 'tiles', image: path, done, total, etaSeconds: (elapsed / done) * (total - done) });
        },
      });
      try {
        await writeImageFromBands(target, out, original, decision.tile, scratch.folder);
      } finally {
        out.store.dispose();
      }
      return true;
    },
  };
}
