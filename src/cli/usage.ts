/** The help text. */
import { PARAMETER_NAMES, PARAMETERS } from '../config/parameters.js';

const params = PARAMETER_NAMES.map((n) => `  --${n.padEnd(18)} default ${JSON.stringify(PARAMETERS[n].default())}`).join('\n');

export const USAGE = `cyclegan: unpaired image-to-image translation (CycleGAN) on libtorch

Usage:
  cyclegan train   --source X --target Y --out OUT [parameters]
  cyclegan predict --resume MODEL --source X --out OUT [--keep_size] [parameters]
  cyclegan run     --config params.json --source X [--target Y] --out OUT
  cyclegan validate DIR [--out REPORT.json]
  cyclegan export  MODEL --format pb|onnx [--direction AtoB|BtoA] [--out FILE]
  cyclegan demo    [--out DIR] [--quick]

X and Y are folders of images (dir/*.jpg) or of class folders (dir/<class>/*.jpg), or manifest files.
MODEL is a checkpoint (.safetensors), an .onnx or a frozen .pb (told apart by content).
OUT receives model/, samples/, Data/, output_0.manifest, params.json, validation_report.json, logs/.
Running train again on an OUT that holds a checkpoint continues it; Ctrl-C writes one.
X, Y, OUT and MODEL may be s3://bucket/prefix or obs://bucket/prefix: --s3_endpoint URL (or
AWS_ENDPOINT_URL / S3_ENDPOINT) names the server, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY the key.

Parameters (also accepted as keys of --config params.json; kebab-case works too):
${params}
`;
