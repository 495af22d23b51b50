/**
 * Validation as a library call: scan one input (folder, class folders or manifest), decode every file,
 * and give the report in the schema of a run's validation_report.json (the domain named "input").
 */
import { writeFileAtomic } from '../io/atomic_write.js';
import type { EventSink } from '../io/events.js';
import { scanInput, type InputListing, type ScannedFile } from './scan.js';
import { validateFiles, validationReportText, type ValidationResult } from './validate.js';

export interface ValidateInputOptions {
  /** A folder of images, a folder of class folders, or a manifest file. */
  input: string;
  /** Also write the report here (atomically). */
  out?: string;
  onEvent?: EventSink;
}

export interface ValidateInputResult {
  listing: InputListing;
  result: ValidationResult<ScannedFile>;
  /** The report as JSON text, the schema of validation_report.json. */
  report: string;
}

export async function validate(o: ValidateInputOptions): Promise<ValidateInputResult> {
  const listing = await scanInput(o.input);
  for (const message of listing.warnings) o.onEvent?.({ type: 'warning', message });
  const result = await validateFiles(listing.files);
  o.onEvent?.({ type: 'validation', domain: listing.path, total: listing.files.length, usable: result.usable.length, rejected: result.rejected.map((r) => ({ path: r.path, reason: r.reason })) });
  const report = validationReportText({ input: { input: listing.path, result, warnings: listing.warnings } });
  if (o.out) writeFileAtomic(o.out, report);
  return { listing, result, report };
}
