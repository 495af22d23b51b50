/**
 * Files that failed when used (with do_validation false, or a file that changed after validation).
 * They are reported like validation's rejections, so validation_report.json, the terminal and Data/
 * agree: before, a run whose 10 of 45 files failed at use reported 45 usable and 0 rejected, said
 * "translated 45 images" and wrote 35.
 */
import type { ScannedFile } from './scan.js';
import type { Rejection, ValidationResult } from './validate.js';

export class UseFailures {
  private readonly reasons = new Map<string, string>();

  record(path: string, reason: string): void {
    if (!this.reasons.has(path)) this.reasons.set(path, reason);
  }

  get size(): number {
    return this.reasons.size;
  }

  /** `result` with the files that failed at use moved from usable to rejected (code 'failed_in_use'). */
  applyTo(result: ValidationResult<ScannedFile>): ValidationResult<ScannedFile> {
    const failed: Rejection[] = [];
    const usable = result.usable.filter((f) => {
      const reason = this.reasons.get(f.path);
      if (reason !== undefined) failed.push({ path: f.path, code: 'failed_in_use', reason });
      return reason === undefined;
    });
    return { usable, rejected: [...result.rejected, ...failed] };
  }
}
