/**
 * Which image files are accepted, decided from their first bytes (never from the name): JPEG, PNG,
 * WebP, BMP, TIFF and GIF, the formats the README lists. Anything else sharp could open is refused
 * on purpose: SVG text would be rendered through librsvg (an XML parser and a renderer reachable
 * from a folder of "images"), and PDF, HEIF or JPEG 2000 are not part of what we test.
 *
 * TIFF samples must be 8 or 16-bit integers: a floating-point TIFF has no defined value range (0..1,
 * 0..255 or HDR), and libvips casts it to 8 bits, which makes a [0, 1] image black.
 */
import { DatasetError } from '../errors.js';

export type AcceptedFormat = 'jpeg' | 'png' | 'webp' | 'bmp' | 'tiff' | 'gif';

/** A file whose content is an image format we do not accept; validation reports it as 'unsupported'. */
export class RefusedFormatError extends DatasetError {}

/** A file whose content is no image format at all; validation reports it as 'not_image'. */
export class NotAnImageError extends DatasetError {}

export const ACCEPTED_FORMATS_TEXT = 'JPEG, PNG, WebP, BMP, TIFF (8 or 16 bits per sample), GIF';

const startsWith = (b: Uint8Array, bytes: readonly number[], at = 0) => b.length >= at + bytes.length && bytes.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The accepted format of `buffer`, or null. */
export function sniffFormat(buffer: Uint8Array): AcceptedFormat | null {
  if (startsWith(buffer, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(buffer, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(buffer, ascii('RIFF')) && startsWith(buffer, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(buffer, ascii('BM'))) return 'bmp';
  if (startsWith(buffer, ascii('II*\0')) || startsWith(buffer, ascii('MM\0*'))) return 'tiff';
  if (startsWith(buffer, ascii('GIF87a')) || startsWith(buffer, ascii('GIF89a'))) return 'gif';
  return null;
}

/** Text that looks like SVG (optionally after a BOM, whitespace, an XML declaration or comments). */
function looksLikeSvg(buffer: Uint8Array): boolean {
  const head = Buffer.from(buffer.subarray(0, 4096)).toString('utf8').replace(/^\uFEFF/, '');
  return /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(head);
}

/** The accepted format of `buffer`; throws RefusedFormatError (SVG) or NotAnImageError (anything else) otherwise. */
export function assertAcceptedFormat(buffer: Uint8Array): AcceptedFormat {
  const format = sniffFormat(buffer);
  if (format) return format;
  if (looksLikeSvg(buffer)) throw new RefusedFormatError(`SVG (vector graphics) is not an accepted format: rasterize it to PNG first. Accepted: ${ACCEPTED_FORMATS_TEXT}`);
  throw new NotAnImageError(`not an image (unrecognised file format). Accepted: ${ACCEPTED_FORMATS_TEXT}`);
}

/** Throws RefusedFormatError for sample depths other than 8 or 16-bit integers (sharp's metadata().depth). */
export function assertAcceptedDepth(format: string, depth: string | undefined): void {
  if (depth === undefined || depth === 'uchar' || depth === 'ushort' || depth === 'char' || depth === 'short') return;
  if (format === 'tiff' && (depth === 'float' || depth === 'double' || depth === 'complex' || depth === 'dpcomplex')) {
    throw new RefusedFormatError('a TIFF with floating-point samples is not accepted (its value range is not defined, and decoding it gives a black image): save it with 8 or 16 bits per sample');
  }
  throw new RefusedFormatError(`${format.toUpperCase()} with ${depth} samples is not accepted: save it with 8 or 16 bits per sample`);
}
