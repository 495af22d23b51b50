/** `cyclegan validate DIR [--out REPORT.json]`: the validation report alone, in the schema of a run's validation_report.json. */
import { resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic_write.js';
import { scanInput } from '../data/scan.js';
import { validateFiles, validationReportText } from '../data/validate.js';
import { optionValue, type CommandLine } from './command_line.js';
import type { Renderer } from './render.js';

export async function runValidate(args: CommandLine, render: Renderer): Promise<number> {
  const dir = args.positionals[0];
  const out = optionValue(args, 'out');
  const listing = await scanInput(dir);
  const result = await validateFiles(listing.files);
  const rejected = result.rejected.map((r) => ({ path: r.path, reason: r.reason }));
  render({ type: 'validation', domain: resolve(dir), total: listing.files.length, usable: result.usable.length, rejected });
  // The one domain is named "input"; a run names its domains "source" and "target".
  const report = validationReportText({ input: { input: listing.path, result } });
  if (out) writeFileAtomic(out, report);
  else process.stdout.write(report);
  return result.usable.length > 0 ? 0 : 1;
}
