/**
 * Sample sheets written after every epoch: for a fixed set of source images (the same each epoch),
 * source | translation X->Y | reconstruction back to X, side by side, as samples/EEEE_K.jpg.
 */
import { tensor, tidy } from '../engine/index.js';
import { loadImage } from '../data/decode.js';
import { tileImages, writeImage } from '../data/image_write.js';
import type { ScannedFile } from '../data/scan.js';
import type { CycleGan } from '../model/cyclegan.js';
import type { RunFolder } from './run_folder.js';

export const SAMPLE_COUNT = 16;

/** Up to 16 source files spread evenly over the domain. */
export function pickSampleFiles(files: readonly ScannedFile[]): ScannedFile[] {
  const n = Math.min(SAMPLE_COUNT, files.length);
  return Array.from({ length: n }, (_, k) => files[Math.floor((k * files.length) / n)]);
}

export interface SampleShape {
  channels: 1 | 3;
  height: number;
  width: number;
}

/** Decodes the sample sources once; a file that fails now is left out. */
export async function loadSamples(files: readonly ScannedFile[], shape: SampleShape): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const f of files) {
    try {
      out.push(await loadImage(f.path, shape));
    } catch {
      // validated files rarely fail here; a sample sheet less is not worth stopping for
    }
  }
  return out;
}

export async function writeSamples(model: CycleGan, sources: readonly Float32Array[], shape: SampleShape, epoch: number, folder: RunFolder, device: string): Promise<string[]> {
  const files: string[] = [];
  for (let k = 0; k < sources.length; k++) {
    const [fake, rec] = tidy(() => {
      const y = model.translate(tensor(sources[k], [1, shape.channels, shape.height, shape.width], { device }), 'AtoB');
      return [y.toFloat32(), model.translate(y, 'BtoA').toFloat32()];
    });
    const sheet = tileImages([sources[k], fake, rec].map((data) => ({ data, ...shape })));
    const path = folder.sampleFile(epoch, k);
    await writeImage(path, sheet.data, sheet);
    files.push(path);
  }
  return files;
}
