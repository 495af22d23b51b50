/**
 * The output manifest (ModelArts style): one JSON object per line for each generated image.
 * `annotation` carries the class label when the input was a two-level folder.
 */
import { writeFileAtomic } from './atomic_write.js';

export interface ManifestEntry {
  id: string;
  /** Absolute path of the generated image. */
  source: string;
  /** 'test' for images of a reference dataset's testA/. */
  usage: 'train' | 'test';
  annotation?: { name: string; type: 'modelarts/image_classification' }[];
  /** The input image it was translated from. */
  original: string;
  /** Written by predict: the model file (absolute), its format, generator direction and epoch, and the tool's version. */
  producer?: { model: string; format: 'checkpoint' | 'onnx' | 'pb'; direction?: 'AtoB' | 'BtoA'; epoch?: number; tool: string };
}

export function manifestEntry(id: string, generated: string, original: string, className: string | null, usage: ManifestEntry['usage'] = 'train'): ManifestEntry {
  const entry: ManifestEntry = { id, source: generated, usage, original };
  if (className !== null) entry.annotation = [{ name: className, type: 'modelarts/image_classification' }];
  return entry;
}

export function writeManifest(path: string, entries: readonly ManifestEntry[]): void {
  writeFileAtomic(path, entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''));
}
