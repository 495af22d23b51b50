/**
 * Prepares one input domain: scan the folder or manifest, validate every file when asked, and report.
 * A domain with no usable image stops the run before any training.
 */
import { DatasetError } from '../errors.js';
import { scanInput, type InputListing, type ScannedFile } from './scan.js';
import { validateFiles, writeValidationReport, type ValidationResult } from './validate.js';
import type { EventSink } from '../io/events.js';

export interface PreparedDomain {
  name: string;
  listing: InputListing;
  result: ValidationResult<ScannedFile>;
  usable: ScannedFile[];
}

export async function prepareDomain(name: string, path: string, validate: boolean, onEvent?: EventSink, maxPixels?: number): Promise<PreparedDomain> {
  const listing = await scanInput(path);
  for (const message of listing.warnings) onEvent?.({ type: 'warning', message });
  const result: ValidationResult<ScannedFile> = validate ? await validateFiles(listing.files, { maxPixels }) : { usable: listing.files, rejected: [] };
  if (validate) {
    const rejected = result.rejected.map((r) => ({ path: r.path, reason: r.reason }));
    onEvent?.({ type: 'validation', domain: name, total: listing.files.length, usable: result.usable.length, rejected });
  }
  if (result.usable.length === 0) {
    throw new DatasetError(
      `the ${name} domain (${path}) has no usable image: ${listing.files.length} file(s) found, all rejected by validation. See validation_report.json for the reason of each; add readable images of at least 8x8 pixels.`,
    );
  }
  return { name, listing, result, usable: [...result.usable] };
}

/** validation_report.json for the prepared domains. */
export function writeDomainReport(outDir: string, domains: readonly PreparedDomain[]): string {
  return writeValidationReport(outDir, Object.fromEntries(domains.map((d) => [d.name, { input: d.listing.path, result: d.result, warnings: d.listing.warnings }])));
}
