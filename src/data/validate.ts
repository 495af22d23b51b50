/**
 * Checking every file of a domain before training, so a bad file is reported once, up front,
 * with its reason, instead of crashing a run hours in. Every file is fully decoded (a truncated
 * JPEG has a perfectly good header), except that an oversized header is refused before any
 * pixel is decoded: a small file can claim billions of pixels (a decompression bomb).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import { UnsupportedBmpError } from './bmp.js';
import { NotAnImageError, RefusedFormatError } from './image_format.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_PIXELS, openImage, readImageFile, readImageHeader, tooManyBytes } from './open_image.js';

/** Why a file was rejected; stable, for programs. */
/** failed_in_use: passed (or skipped) validation but failed when training or translating read it. */
export type RejectionCode = 'unreadable' | 'empty' | 'not_image' | 'unsupported' | 'corrupt' | 'too_small' | 'too_large' | 'failed_in_use';

export interface Rejection {
  readonly path: string;
  readonly code: RejectionCode;
  /** For people: what is wrong and, where it helps, how to fix it. */
  readonly reason: string;
}

export interface ValidationResult<F extends { readonly path: string }> {
  /** The files that decode, in input order. */
  readonly usable: F[];
  readonly rejected: Rejection[];
}

export interface ValidateOptions {
  /** Smallest accepted width and height, in pixels; default 8. */
  readonly minSide?: number;
  /** Largest accepted width x height, checked from the header before decoding; default 100 000 000. */
  readonly maxPixels?: number;
  /** Files checked at once; default 4 (libuv's default thread pool size). */
  readonly concurrency?: number;
  /** Called after each file with the number checked so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Checks one file; returns null when it is usable. */
export async function checkImage(path: string, minSide = 8, maxPixels = DEFAULT_MAX_PIXELS, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<Omit<Rejection, 'path'> | null> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { code: 'unreadable', reason: 'not a regular file' };
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { code: 'unreadable', reason: code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(error)})` };
  }
  if (size === 0) return { code: 'empty', reason: 'zero-byte file' };
  if (size > maxBytes) return { code: 'too_large', reason: tooManyBytes(size, maxBytes) };
  let buffer: Buffer;
  try {
    buffer = await readImageFile(path, maxBytes);
  } catch (error) {
    return { code: 'unreadable', reason: (error as Error).message };
  }

  let width: number;
  let height: number;
  try {
    ({ width, height } = await readImageHeader(buffer));
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof UnsupportedBmpError || error instanceof RefusedFormatError) return { code: 'unsupported', reason: message };
    if (error instanceof NotAnImageError || /unsupported image format/i.test(message)) return { code: 'not_image', reason: 'not an image (unrecognised file format)' };
    return { code: 'corrupt', reason: `corrupt image header: ${message.trim()}` };
  }
  if (width * height > maxPixels) {
    return {
      code: 'too_large',
      reason: `image is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels}; it was not decoded (possible decompression bomb). Downscale it if it is real`,
    };
  }
  if (width < minSide || height < minSide) {
    return { code: 'too_small', reason: `image is ${width}x${height} pixels, smaller than the minimum of ${minSide} on a side` };
  }
  try {
    await openImage(buffer, maxPixels).toColourspace('srgb').raw().toBuffer();
  } catch (error) {
    if (error instanceof UnsupportedBmpError) return { code: 'unsupported', reason: error.message };
    return { code: 'corrupt', reason: `truncated or corrupt image data: ${(error as Error).message.trim()}` };
  }
  return null;
}

/** Fully decodes every file and sorts them into usable and rejected (with reasons). Never throws for a bad file. */
export async function validateFiles<F extends { readonly path: string }>(files: readonly F[], options: ValidateOptions = {}): Promise<ValidationResult<F>> {
  const minSide = options.minSide ?? 8;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConfigError(`Expected a positive integer for concurrency but received ${String(concurrency)}`);
  const verdicts: Array<Omit<Rejection, 'path'> | null> = new Array(files.length);
  let nextIndex = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < files.length) {
      const i = nextIndex++;
      verdicts[i] = await checkImage((files[i] as F).path, minSide, maxPixels);
      options.onProgress?.(++done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  // libvips keeps one error buffer for all threads: under concurrent decoding a failure can come back as
  // "Unknown error". Checking those files again one at a time gives the decoder's real message.
  for (let i = 0; i < files.length; i++) {
    if (verdicts[i]?.code === 'corrupt' && /Unknown error$/.test(verdicts[i]!.reason)) verdicts[i] = await checkImage((files[i] as F).path, minSide, maxPixels);
  }
  const usable: F[] = [];
  const rejected: Rejection[] = [];
  files.forEach((file, i) => {
    const verdict = verdicts[i];
    if (verdict) rejected.push({ path: file.path, ...verdict });
    else usable.push(file);
  });
  return { usable, rejected };
}

/** One domain's entry in the report. */
export interface DomainReport {
  /** The scanned input (folder or manifest). */
  readonly input?: string;
  readonly result: ValidationResult<{ readonly path: string }>;
  /** What scanning noticed (ignored subfolders, duplicates). */
  readonly warnings?: readonly string[];
}

/**
 * The validation report, as JSON text: per domain, the number of files found, usable and rejected, and
 * every rejected file with its reason. `train`, `predict` and `validate` all write this one schema.
 */
export function validationReportText(reports: Readonly<Record<string, DomainReport>>): string {
  const domains: Record<string, unknown> = {};
  for (const [domain, { input, result, warnings }] of Object.entries(reports)) {
    domains[domain] = {
      ...(input === undefined ? {} : { input }),
      ...(warnings === undefined ? {} : { warnings }),
      total: result.usable.length + result.rejected.length,
      usable: result.usable.length,
      rejected_count: result.rejected.length,
      rejected: result.rejected.map((r) => ({ path: r.path, code: r.code, reason: r.reason })),
    };
  }
  return `${JSON.stringify({ domains }, null, 2)}\n`;
}

/** Writes `validation_report.json` in `outDir` atomically. Returns the file's path. */
export function writeValidationReport(outDir: string, reports: Readonly<Record<string, DomainReport>>): string {
  const path = join(outDir, 'validation_report.json');
  writeFileAtomic(path, validationReportText(reports));
  return path;
}
