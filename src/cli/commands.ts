/**
 * Every command and the options it takes, declared once: this table drives parsing (unknown flags,
 * stray arguments and missing values are refused), the help pages and the README's usage block.
 * Commands that train or predict also take every run parameter (src/config/parameters.ts) as a flag.
 */

import { LAUNCH_OPTIONS } from './launch_options.js';
import type { OptionSpec } from './option_spec.js';

export type { OptionSpec } from './option_spec.js';

export interface PositionalSpec {
  name: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  positionals: readonly PositionalSpec[];
  /** The last positional may be given more than once (`cyclegan ui OUT [OUT2 ...]`). */
  repeatsLastPositional?: boolean;
  options: readonly OptionSpec[];
  /** Takes every run parameter as a flag (and as a key of --config). */
  parameters: boolean;
  example: string;
  /** A few lines after the option list: what the command writes, how inputs are told apart. */
  notes?: string;
}

const config: OptionSpec = {
  name: 'config',
  takes: 'value',
  placeholder: 'FILE',
  help: 'a JSON object of parameters ({"max_epoch": 10}), or the params.json a run wrote; flags override it',
};
const keepSize: OptionSpec = {
  name: 'keep_size',
  takes: 'flag',
  default: 'off',
  help: "translate each image at its own size (rounded to a multiple of 4 for the generator, restored afterwards) instead of image_height x image_width",
};
const predictDirection: OptionSpec = {
  name: 'direction',
  takes: 'value',
  placeholder: 'DIR',
  values: 'AtoB, BtoA',
  default: 'AtoB',
  help: "which generator of a checkpoint translates: AtoB (X->Y) or BtoA (Y->X); an exported .onnx or .pb holds one and must match it",
};
const restart: OptionSpec = {
  name: 'restart',
  takes: 'flag',
  default: 'off',
  help: 'start over on an OUT that holds a checkpoint, removing the previous run (without it, train continues the run)',
};
/** predict's options for images too large to translate whole (src/predict/tiled). */
const largeImage: OptionSpec[] = [
  { name: 'max_memory', takes: 'value', placeholder: 'SIZE', default: 'half the available memory', help: 'with --keep_size, memory the translation of one image may take (2G, 512M or bytes); an image whose whole-image pass needs more is translated in tiles, exactly' },
  { name: 'tile_size', takes: 'value', placeholder: 'PX', help: 'with --keep_size, translate every image in tiles of this side (at least 16; checkpoints only)' },
  { name: 'max_pixels', takes: 'value', placeholder: 'N', default: '100000000', help: 'the largest image accepted, width x height' },
  { name: 'scratch_dir', takes: 'value', placeholder: 'DIR', default: 'the system temporary folder, or the output folder when that is tmpfs', help: 'where tiled translation keeps activations that do not fit --max_memory' },
];
const s3Endpoint: OptionSpec = {
  name: 's3_endpoint',
  takes: 'value',
  placeholder: 'URL',
  default: 'AWS_ENDPOINT_URL, else S3_ENDPOINT',
  help: 'the S3 API of the server for s3:// and obs:// addresses (MinIO, OBS, ...), e.g. http://127.0.0.1:9000',
};
const inputs = 'X and Y are each a folder of images (dir/*.jpg), a folder of class folders (dir/<class>/*.jpg) or a manifest file (JSON lines with "source"); X, Y and OUT may also be s3://bucket/prefix or obs://bucket/prefix addresses.';
const modelKinds = 'MODEL is a checkpoint (.safetensors), a PyTorch state_dict (.pth, e.g. the reference\'s latest_net_G_A.pth), an .onnx or a frozen .pb, told apart by content.';

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'train',
    summary: 'learn X -> Y (and Y -> X) from two folders of unpaired images',
    positionals: [],
    options: [
      { name: 'source', takes: 'value', placeholder: 'X', help: 'the folder (or manifest) of source-domain images X (required unless --dataroot)' },
      { name: 'target', takes: 'value', placeholder: 'Y', help: 'the folder (or manifest) of target-domain images Y (required unless --dataroot)' },
      { name: 'out', takes: 'value', placeholder: 'OUT', required: true, help: 'the run folder: model/, samples/, Data/, logs/, checkpoints/, params.json' },
      restart,
      config,
      { name: 'ui', takes: 'flag-or-number', placeholder: 'PORT', default: 'off; PORT 8765 when given alone', help: 'serve the live dashboard of this run while it trains (the address is printed first; 0 picks a free port)' },
      ...LAUNCH_OPTIONS,
      s3Endpoint,
    ],
    parameters: true,
    example: 'cyclegan train --source photos/day --target photos/night --out runs/day2night --image_height 128 --image_width 128 --max_epoch 20',
    notes: `${inputs}\nRunning train again on an OUT that holds a checkpoint continues it; Ctrl-C writes one first.`,
  },
  {
    name: 'predict',
    summary: 'translate a folder of images with a saved model',
    positionals: [],
    options: [
      { name: 'source', takes: 'value', placeholder: 'X', required: true, help: 'the images to translate (folder, class folders or manifest)' },
      { name: 'out', takes: 'value', placeholder: 'OUT', required: true, help: 'where Data/ and output_0.manifest go' },
      keepSize,
      predictDirection,
      config,
      ...largeImage,
      s3Endpoint,
    ],
    parameters: true,
    example: 'cyclegan predict --resume runs/day2night/model/CycleGan_epoch_20.safetensors --source photos/more_days --out runs/translated',
    notes: `${modelKinds} Give it with --resume MODEL (required).\nImages come out at the size the model was trained at unless image_height/image_width or --keep_size say otherwise.`,
  },
  {
    name: 'run',
    summary: 'train or predict as a parameter file says (predict: true means predict)',
    positionals: [],
    options: [
      { ...config, required: true },
      { name: 'source', takes: 'value', placeholder: 'X', required: true, help: 'the folder (or manifest) of source-domain images X' },
      { name: 'target', takes: 'value', placeholder: 'Y', help: 'the folder (or manifest) of target-domain images Y (training only)' },
      { name: 'out', takes: 'value', placeholder: 'OUT', required: true, help: 'the output folder' },
      { ...keepSize, help: `${keepSize.help} (predicting only)` },
      { ...predictDirection, help: `${predictDirection.help} (predicting only)` },
      { ...restart, help: `${restart.help} (training only)` },
      s3Endpoint,
    ],
    parameters: true,
    example: 'cyclegan run --config runs/day2night/params.json --source photos/day --target photos/night --out runs/again',
    notes: 'The params.json a run wrote is accepted as it is (threads is taken from this machine).',
  },
  {
    name: 'validate',
    summary: 'check every image of a folder and write the validation report',
    positionals: [{ name: 'DIR', help: 'the folder, class folders or manifest to check' }],
    options: [{ name: 'out', takes: 'value', placeholder: 'REPORT', default: 'standard output', help: 'write the report (the same schema as validation_report.json of a run) to this file' }],
    parameters: false,
    example: 'cyclegan validate photos/day --out day_report.json',
    notes: 'Exits 1 when no file is usable.',
  },
  {
    name: 'export',
    summary: 'write a generator of a checkpoint as a frozen TensorFlow graph, ONNX or a PyTorch state_dict',
    positionals: [{ name: 'MODEL', help: 'a checkpoint (.safetensors) written by train, or a reference generator (.pth)' }],
    options: [
      { name: 'format', takes: 'value', placeholder: 'FORMAT', values: 'pb, onnx, pth', required: true, help: "pb: frozen TensorFlow GraphDef (NHWC); onnx: ONNX opset 13 (NCHW); pth: a state_dict the PyTorch reference's load_state_dict takes" },
      { name: 'direction', takes: 'value', placeholder: 'DIR', values: 'AtoB, BtoA', default: 'AtoB', help: 'AtoB exports G_A (X->Y), BtoA exports G_B (Y->X)' },
      { name: 'out', takes: 'value', placeholder: 'FILE', default: 'MODEL with the format as extension (_BtoA added for BtoA)', help: 'the file to write' },
    ],
    parameters: false,
    example: 'cyclegan export runs/day2night/checkpoints/latest.safetensors --format onnx --direction BtoA --out night2day.onnx',
  },
  {
    name: 'eval',
    summary: 'score generated images against real ones: KID* and FID*, and L1/PSNR/SSIM against ground truth',
    positionals: [],
    options: [
      { name: 'real', takes: 'value', placeholder: 'DIR', required: true, help: 'real target-domain images (a folder, class folders or a manifest)' },
      { name: 'fake', takes: 'value', placeholder: 'DIR', required: true, help: 'generated images, e.g. OUT/Data of a run' },
      { name: 'paired', takes: 'value', placeholder: 'DIR', help: 'ground truth for the generated images, matched by file name (extensions may differ): adds L1, PSNR and SSIM' },
      { name: 'json', takes: 'flag', default: 'off', help: 'print the report as JSON' },
      { name: 'threads', takes: 'value', placeholder: 'N', default: 'all cores', help: 'libtorch CPU threads' },
      { name: 'device', takes: 'value', placeholder: 'DEVICE', values: 'cpu, cuda, cuda:N', default: 'cpu', help: 'where the feature network runs' },
    ],
    parameters: false,
    example: 'cyclegan eval --real photos/night_test --fake runs/day2night/Data --json',
    notes: 'KID* and FID* use InceptionV3 weights from nsfwjs, not the network of published FID: compare them between runs, not with papers (see the README). Each side needs at least 2 images.',
  },
  {
    name: 'ui',
    summary: 'serve the live dashboard of run folders: curves, samples, parameters, translation in the browser',
    positionals: [{ name: 'OUT', help: 'a run folder, the --out of train; give several to overlay them' }],
    repeatsLastPositional: true,
    options: [
      { name: 'port', takes: 'value', placeholder: 'N', default: '8765', help: 'the port to listen on; 0 picks a free one' },
      { name: 'host', takes: 'value', placeholder: 'H', default: '127.0.0.1', help: 'the address to listen on; another than loopback serves other machines and prints a warning' },
    ],
    parameters: false,
    example: 'cyclegan ui runs/day2night runs/day2night_ngf32 --port 8765',
    notes: 'The first line printed is the address to open, with its token. Ctrl-C stops the server. OUT/report.html holds the same page as a file.',
  },
  {
    name: 'demo',
    summary: 'train day -> night on the bundled data and show where to look',
    positionals: [],
    options: [
      { name: 'out', takes: 'value', placeholder: 'DIR', default: 'demo-output', help: 'the run folder' },
      { name: 'quick', takes: 'flag', default: 'off', help: 'one epoch of a smaller network (about 30 s), to check that everything works' },
    ],
    parameters: false,
    example: 'cyclegan demo --out /tmp/demo',
  },
  {
    name: 'help',
    summary: 'show this overview, or the page of one command',
    positionals: [],
    options: [],
    parameters: false,
    example: 'cyclegan help train',
  },
];

export function commandNamed(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** `cyclegan train --source X --target Y --out OUT [--config FILE] [parameters]` */
export function synopsis(c: CommandSpec): string {
  const parts = [`cyclegan ${c.name}`, ...c.positionals.map((p) => p.name)];
  if (c.repeatsLastPositional && c.positionals.length) parts.push(`[${c.positionals[c.positionals.length - 1].name}2 ...]`);
  for (const o of c.options) {
    const text = o.takes === 'flag' ? `--${o.name}` : o.takes === 'flag-or-number' ? `--${o.name} [${o.placeholder}]` : `--${o.name} ${o.values && o.values.split(', ').length <= 3 ? o.values.replace(/, /g, '|') : o.placeholder}`;
    parts.push(o.required ? text : `[${text}]`);
  }
  if (c.name === 'predict') parts.splice(1, 0, '--resume MODEL');
  if (c.parameters) parts.push('[parameters]');
  if (c.name === 'help') parts.push('[COMMAND]');
  return parts.join(' ');
}
