/** `cyclegan export MODEL --format pb|onnx|pth [--direction AtoB|BtoA] [--out FILE]`: export a generator from a checkpoint or a reference .pth. */
import { ConfigError } from '../errors.js';
import { exportModel } from '../export/export_model.js';
import { optionValue, type CommandLine } from './command_line.js';
import { directionOf } from './direction.js';

export async function runExport(args: CommandLine): Promise<number> {
  const format = optionValue(args, 'format');
  if (format !== 'pb' && format !== 'onnx' && format !== 'pth') throw new ConfigError(`Expected pb, onnx or pth for --format but received '${format}'`);
  const { out } = await exportModel({ checkpoint: args.positionals[0], format, direction: directionOf(args), out: optionValue(args, 'out') });
  process.stdout.write(`${out}\n`);
  return 0;
}
