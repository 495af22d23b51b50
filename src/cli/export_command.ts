/** `cyclegan export MODEL --format pb|onnx|pth [--direction AtoB|BtoA] [--out FILE]`: export a generator from a checkpoint or a reference .pth. */
import { ConfigError } from '../errors.js';
import { exportGenerator } from '../export/index.js';
import { loadGenerator } from '../io/checkpoint.js';
import { writePth } from '../io/pth_write.js';
import { toStoredMap } from '../io/tensor_store.js';
import { optionValue, type CommandLine } from './command_line.js';
import { directionOf } from './direction.js';

export async function runExport(args: CommandLine): Promise<number> {
  const model = args.positionals[0];
  const format = optionValue(args, 'format');
  if (format !== 'pb' && format !== 'onnx' && format !== 'pth') throw new ConfigError(`Expected pb, onnx or pth for --format but received '${format}'`);
  const direction = directionOf(args);
  const out = optionValue(args, 'out') ?? model.replace(/\.(safetensors|pth)$/i, '') + (direction === 'BtoA' ? '_BtoA' : '') + `.${format}`;
  if (out === model) throw new ConfigError(`--out ${out} would overwrite the model it is exported from; give another --out`);
  const { net } = loadGenerator(model, direction);
  try {
    // pth: the generator's state_dict under the reference's names, as its save_networks writes net_G_A.
    if (format === 'pth') writePth(out, toStoredMap(net.namedState()));
    else exportGenerator(net, format, out);
  } finally {
    net.dispose();
  }
  process.stdout.write(`${out}\n`);
  return 0;
}
