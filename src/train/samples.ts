/**
 * The sample sheet written after every epoch, samples/EEEE.jpg (EEEE from 0000): for a fixed set of
 * source and target images (the same each epoch), the reference's visuals with their names on them,
 *   real_A | fake_B | rec_A | idt_B
 *   real_B | fake_A | rec_B | idt_A
 * as the reference names them: fake_B = G_A(real_A), rec_A = G_B(fake_B), idt_B = G_B(real_A) (G_B should
 * leave an X image alone), and the same with A and B swapped.
 */
import { tensor, tidy, type Tensor } from '../engine/index.js';
import { loadImage } from '../data/decode.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import type { ScannedFile } from '../data/scan.js';
import type { CycleGan } from '../model/cyclegan.js';
import type { RunFolder } from '../io/run_folder.js';
import { sampleSheet, type LabelledImage } from './sample_sheet.js';

/** Pairs of rows on a sheet: four keeps a 256 px sheet about 1 MB. */
export const SAMPLE_COUNT = 4;

/** Up to SAMPLE_COUNT files spread evenly over the domain. */
export function pickSampleFiles(files: readonly ScannedFile[]): ScannedFile[] {
  const n = Math.min(SAMPLE_COUNT, files.length);
  return Array.from({ length: n }, (_, k) => files[Math.floor((k * files.length) / n)]);
}

export interface SampleShape {
  channels: 1 | 3;
  height: number;
  width: number;
}

export interface SampleImages {
  a: Float32Array[];
  b: Float32Array[];
}

/** Decodes one domain's samples once; a file that fails now is left out. */
async function decodeAll(files: readonly ScannedFile[], shape: SampleShape): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const f of files) {
    try {
      out.push(await loadImage(f.path, shape));
    } catch {
      // validated files rarely fail here; a sample less is not worth stopping for
    }
  }
  return out;
}

/** The sample images of both domains, picked evenly and decoded once for the whole run. */
export async function loadSamples(source: readonly ScannedFile[], shape: SampleShape, target: readonly ScannedFile[] = []): Promise<SampleImages> {
  return { a: await decodeAll(pickSampleFiles(source), shape), b: await decodeAll(pickSampleFiles(target), shape) };
}

function rowOf(model: CycleGan, real: Float32Array, shape: SampleShape, device: string, domain: 'A' | 'B'): LabelledImage[] {
  const [there, back] = domain === 'A' ? (['AtoB', 'BtoA'] as const) : (['BtoA', 'AtoB'] as const);
  const other = domain === 'A' ? 'B' : 'A';
  const images = tidy(() => {
    const x = tensor(real, [1, shape.channels, shape.height, shape.width], { device });
    const fake = model.translate(x, there);
    // The generator back to this domain, applied to this domain's image: idt_B = G_B(real_A) in real_A's row.
    const identity: Tensor = model.translate(x, back);
    return [fake.toFloat32(), model.translate(fake, back).toFloat32(), identity.toFloat32()];
  });
  const labelled = (label: string, data: Float32Array) => ({ label, image: { data, ...shape } });
  return [labelled(`real_${domain}`, real), labelled(`fake_${other}`, images[0]), labelled(`rec_${domain}`, images[1]), labelled(`idt_${domain === 'A' ? 'B' : 'A'}`, images[2])];
}

export async function writeSamples(model: CycleGan, samples: SampleImages, shape: SampleShape, epoch: number, folder: RunFolder, device: string): Promise<string[]> {
  const rows: LabelledImage[][] = [];
  const pairs = Math.max(samples.a.length, samples.b.length);
  for (let k = 0; k < pairs; k++) {
    if (samples.a.length) rows.push(rowOf(model, samples.a[k % samples.a.length], shape, device, 'A'));
    if (samples.b.length) rows.push(rowOf(model, samples.b[k % samples.b.length], shape, device, 'B'));
  }
  if (rows.length === 0) return [];
  const path = folder.sampleSheet(epoch);
  writeFileAtomic(path, await sampleSheet(rows));
  return [path];
}
