/**
 * Translates every usable source image X -> Y and writes Data/CycleGan_C_N.jpg plus output_0.manifest
 * (C: index of the image's class folder in sorted order, 0 for a single-level input; N: its index among
 * the usable images of that class). Runs in batches without gradients; a file that fails to decode
 * now is skipped with a warning.
 */
import type { Parameters } from '../config/parameters.js';
import { loadImage } from '../data/decode.js';
import { writeImage } from '../data/image_write.js';
import type { ScannedFile } from '../data/scan.js';
import { manifestEntry, writeManifest, type ManifestEntry } from '../io/manifest.js';
import type { EventSink } from '../io/events.js';
import type { RunFolder } from '../io/run_folder.js';
import { orientedSize, roundToMultipleOf4, writeResized } from '../data/native_size.js';
import type { LargeImageTranslator } from './tiled/large_image.js';
import type { Translator } from './translator.js';

export interface GenerateOptions {
  files: readonly ScannedFile[];
  translator: Translator;
  parameters: Pick<Parameters, 'image_channel' | 'image_height' | 'image_width' | 'batch_size'>;
  folder: RunFolder;
  /** Translate each image at its own size (rounded to a multiple of 4) instead of image_height x image_width. */
  keepSize?: boolean;
  /** The manifest's usage of each file; default 'train' (a reference dataset's testA/ is 'test'). */
  usageOf?: (file: ScannedFile) => 'train' | 'test';
  onEvent?: EventSink;
  /** With keepSize: translates images too large for memory in tiles; absent for models that cannot be tiled. */
  largeImages?: LargeImageTranslator;
  /** What made the translations (model file, direction, tool), recorded on every manifest line. */
  producer?: ManifestEntry['producer'];
  /** Hears of each file skipped because it failed to load (after the warning event). */
  onSkip?: (path: string, reason: string) => void;
  /** False: translate but write nothing (a data-parallel rank other than 0, which only computes its share). Default true. */
  write?: boolean;
}

/** Numbers each file within its class, counting usable files only. */
function numberWithinClass(files: readonly ScannedFile[]): number[] {
  const next = new Map<number, number>();
  return files.map((f) => {
    const n = next.get(f.classIndex) ?? 0;
    next.set(f.classIndex, n + 1);
    return n;
  });
}

export async function generateTranslations(o: GenerateOptions): Promise<ManifestEntry[]> {
  const { image_channel: channels, image_height: height, image_width: width } = o.parameters;
  // Images of different sizes cannot share a batch.
  const batchSize = o.keepSize ? 1 : Math.max(1, o.parameters.batch_size);
  const numbers = numberWithinClass(o.files);
  const entries: ManifestEntry[] = [];
  const started = Date.now();
  let skipped = 0;
  for (let start = 0; start < o.files.length; start += batchSize) {
    const chunk = o.files.slice(start, start + batchSize).map((file, k) => ({ file, n: numbers[start + k] }));
    const large = o.keepSize && o.largeImages ? chunk[0] : undefined; // keepSize: one image per chunk
    if (large && (await o.largeImages!.translateIfLarge(large.file.path, o.folder.dataFile(large.file.classIndex, large.n), channels, o.onEvent))) {
      entries.push({ ...manifestEntry(`CycleGan_${large.file.classIndex}_${large.n}`, o.folder.dataFile(large.file.classIndex, large.n), large.file.path, large.file.className), ...(o.producer && { producer: o.producer }) });
      chunk.length = 0;
    }
    const loaded = await Promise.all(
      chunk.map(async (item) => {
        try {
          const original = o.keepSize ? await orientedSize(item.file.path) : { height, width };
          const size = o.keepSize ? { height: roundToMultipleOf4(original.height), width: roundToMultipleOf4(original.width) } : original;
          return { ...item, original, size, data: await loadImage(item.file.path, { channels, ...size }) };
        } catch (error) {
          o.onEvent?.({ type: 'warning', message: `skipped ${item.file.path}: ${(error as Error).message}` });
          o.onSkip?.(item.file.path, (error as Error).message);
          skipped++;
          return null;
        }
      }),
    );
    const ok = loaded.filter((x) => x !== null);
    if (ok.length > 0) {
      const { size, original } = ok[0];
      const plane = channels * size.height * size.width;
      const batch = new Float32Array(ok.length * plane);
      ok.forEach((item, i) => batch.set(item.data, i * plane));
      const out = await o.translator.translate(batch, [ok.length, channels, size.height, size.width]);
      for (let i = 0; i < ok.length; i++) {
        const { file, n } = ok[i];
        const target = o.folder.dataFile(file.classIndex, n);
        const image = out.subarray(i * plane, (i + 1) * plane);
        if (o.write === false) continue;
        if (o.keepSize) await writeResized(target, image, channels, size, original);
        else await writeImage(target, image, { channels, ...size });
        entries.push({ ...manifestEntry(`CycleGan_${file.classIndex}_${n}`, target, file.path, file.className, o.usageOf?.(file)), ...(o.producer && { producer: o.producer }) });
      }
    }
    const done = Math.min(start + batchSize, o.files.length);
    const elapsed = (Date.now() - started) / 1000;
    o.onEvent?.({ type: 'generate', done, total: o.files.length, skipped, etaSeconds: (elapsed / done) * (o.files.length - done) });
  }
  if (o.write !== false) writeManifest(o.folder.manifest, entries);
  return entries;
}
