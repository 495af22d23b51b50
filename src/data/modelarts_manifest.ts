/**
 * Reading a ModelArts-style dataset manifest: one JSON object per line,
 *   {"source": "images/cat1.jpg", "usage": "train", "annotation": [{"type": "modelarts/image_classification", "name": "cat"}]}
 * Only `source` (a local path, absolute or relative to the manifest's folder, a file:// URL, or an
 * s3:// or obs:// object while the run uses object storage)
 * and the first annotation's `name` (the class) are used; other fields are ignored.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError } from '../errors.js';
import { localCopyOf, staysInBucket } from '../storage/local_copies.js';

export interface ManifestEntry {
  /** Absolute path. */
  readonly path: string;
  readonly className: string | null;
}

const FORMAT = 'Expected one JSON object per line, like {"source": "images/1.jpg", "annotation": [{"name": "cat"}]}';

function sourcePath(manifest: string, line: number, source: string): string {
  if (source.startsWith('file://')) return fileURLToPath(source);
  // s3:// and obs:// objects are downloaded before scanning when the run goes through src/storage.
  const copy = localCopyOf(source);
  if (copy !== null) return copy;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new DatasetError(
      `Manifest ${manifest} line ${line} points at ${source}, which is not a local file; download the images and use absolute or manifest-relative paths`,
    );
  }
  const path = resolve(dirname(manifest), source);
  if (!staysInBucket(manifest, path)) throw new DatasetError(`Manifest ${manifest} line ${line} names ${source}, which leaves the manifest's bucket; name objects in the bucket or give s3:// addresses`);
  return path;
}

function className(manifest: string, line: number, annotation: unknown): string | null {
  if (annotation === undefined || annotation === null) return null;
  if (!Array.isArray(annotation)) {
    throw new DatasetError(`Manifest ${manifest} line ${line} has an "annotation" that is not a list. ${FORMAT}`);
  }
  if (annotation.length === 0) return null;
  const name = (annotation[0] as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name === '') {
    throw new DatasetError(`Manifest ${manifest} line ${line} has an annotation without a "name" string. ${FORMAT}`);
  }
  return name;
}

/** Parses the manifest at absolute path `manifest`; entries keep file order, duplicates dropped with a warning. */
export async function readManifest(manifest: string): Promise<{ entries: ManifestEntry[]; warnings: string[] }> {
  const text = (await readFile(manifest, 'utf8')).replace(/^\uFEFF/, '');
  const entries: ManifestEntry[] = [];
  const lineOf: number[] = [];
  const seen = new Set<string>();
  const duplicates: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (error) {
      throw new DatasetError(`Manifest ${manifest} line ${line} is not valid JSON (${(error as Error).message}). ${FORMAT}`);
    }
    const source = (record as { source?: unknown } | null)?.source;
    if (typeof record !== 'object' || Array.isArray(record) || typeof source !== 'string' || source === '') {
      throw new DatasetError(`Manifest ${manifest} line ${line} has no "source" string. ${FORMAT}`);
    }
    const path = sourcePath(manifest, line, source);
    const name = className(manifest, line, (record as { annotation?: unknown }).annotation);
    if (seen.has(path)) {
      duplicates.push(`${path} (line ${line})`);
      return;
    }
    seen.add(path);
    entries.push({ path, className: name });
    lineOf.push(line);
  });
  if (entries.length === 0) throw new DatasetError(`Manifest ${manifest} lists no images. ${FORMAT}`);

  const unlabelled = entries.findIndex((e) => e.className === null);
  const labelled = entries.filter((e) => e.className !== null).length;
  if (unlabelled >= 0 && labelled > 0) {
    throw new DatasetError(
      `Manifest ${manifest} gives a class name for ${labelled} entries but not for ${entries.length - labelled} ` +
        `(first at line ${lineOf[unlabelled]}); annotate every entry or none`,
    );
  }
  const warnings =
    duplicates.length > 0 ? [`Manifest ${manifest} lists ${duplicates.length} file(s) more than once; each is used once: ${duplicates.join(', ')}`] : [];
  return { entries, warnings };
}
