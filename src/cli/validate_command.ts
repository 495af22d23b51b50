/** `cyclegan validate DIR [--out REPORT.json]`: the validation report alone, in the schema of a run's validation_report.json. */
import { validate } from '../data/validate_input.js';
import { optionValue, type CommandLine } from './command_line.js';
import type { Renderer } from './render.js';

export async function runValidate(args: CommandLine, render: Renderer): Promise<number> {
  const out = optionValue(args, 'out');
  const { result, report } = await validate({ input: args.positionals[0], out, onEvent: render });
  if (!out) process.stdout.write(report);
  return result.usable.length > 0 ? 0 : 1;
}
