/** `cyclegan export MODEL --format pb|onnx [--direction AtoB|BtoA] [--out FILE]`: export a generator from a checkpoint. */
import { ConfigError } from '../errors.js';
import { exportGenerator } from '../export/index.js';
import { loadGenerator } from '../io/checkpoint.js';
import { optionValue, type CommandLine } from './command_line.js';
import { directionOf } from './direction.js';

export async function runExport(args: CommandLine): Promise<number> {
  const model = args.positionals[0];
  const format = optionValue(args, 'format');
  if (format !== 'pb' && format !== 'onnx') throw new ConfigError(`Expected pb or onnx for --format but received '${format}'`);
  const direction = directionOf(args);
  const out = optionValue(args, 'out') ?? model.replace(/\.safetensors$/i, '') + (direction === 'BtoA' ? '_BtoA' : '') + `.${format}`;
  const { net } = loadGenerator(model, direction);
  try {
    exportGenerator(net, format, out);
  } finally {
    net.dispose();
  }
  process.stdout.write(`${out}\n`);
  return 0;
}
