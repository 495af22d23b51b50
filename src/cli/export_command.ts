/** `cyclegan export MODEL --format pb|onnx [--direction AtoB|BtoA] [--out FILE]`: export a generator from a checkpoint. */
import { ConfigError } from '../errors.js';
import { exportGenerator } from '../export/index.js';
import { loadGenerator } from '../io/checkpoint.js';
import { takeString, type ParsedArgs } from './args.js';

export async function runExport(args: ParsedArgs): Promise<number> {
  const model = args.positional[0];
  if (!model) throw new ConfigError('Missing the checkpoint to export: cyclegan export MODEL --format pb|onnx [--direction AtoB|BtoA] [--out FILE]');
  const format = takeString(args, 'format', true, 'pb (frozen TensorFlow graph) or onnx');
  if (format !== 'pb' && format !== 'onnx') throw new ConfigError(`Expected pb or onnx for --format but received '${format}'`);
  const direction = takeString(args, 'direction') ?? 'AtoB';
  if (direction !== 'AtoB' && direction !== 'BtoA') throw new ConfigError(`Expected AtoB or BtoA for --direction but received '${direction}'`);
  const out = takeString(args, 'out') ?? model.replace(/\.safetensors$/i, '') + (direction === 'BtoA' ? '_BtoA' : '') + `.${format}`;
  const { net } = loadGenerator(model, direction);
  try {
    exportGenerator(net, format, out);
  } finally {
    net.dispose();
  }
  process.stdout.write(`${out}\n`);
  return 0;
}
