/** `cyclegan validate DIR [--out REPORT.json]`: the validation report alone. */
import { resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic_write.js';
import { scanInput } from '../data/scan.js';
import { validateFiles } from '../data/validate.js';
import { optionValue, type CommandLine } from './command_line.js';
import type { Renderer } from './render.js';

export async function runValidate(args: CommandLine, render: Renderer): Promise<number> {
  const dir = args.positionals[0];
  const out = optionValue(args, 'out');
  const listing = await scanInput(dir);
  const result = await validateFiles(listing.files);
  const rejected = result.rejected.map((r) => ({ path: r.path, reason: r.reason }));
  render({ type: 'validation', domain: resolve(dir), total: listing.files.length, usable: result.usable.length, rejected });
  const report = { input: listing.path, layout: listing.layout, classes: listing.classes, files: listing.files.length, usable: result.usable.length, rejected };
  if (out) writeFileAtomic(out, JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  return result.usable.length > 0 ? 0 : 1;
}
