/** The layout of an output folder; every writer asks here for its paths. */
import { join, resolve } from 'node:path';

export interface RunFolder {
  root: string;
  model: string;
  samples: string;
  data: string;
  logs: string;
  checkpoints: string;
  latestCheckpoint: string;
  trainLog: string;
  params: string;
  manifest: string;
  validationReport: string;
  /** model/CycleGan_epoch_N.<ext> */
  modelFile(epoch: number, ext: 'safetensors' | 'onnx' | 'pb'): string;
  /** samples/EEEE.jpg, the labelled sheet of an epoch, EEEE = epoch - 1 */
  sampleSheet(epoch: number): string;
  /** Data/CycleGan_C_N.jpg */
  dataFile(classIndex: number, indexInClass: number): string;
}

export function runFolder(out: string): RunFolder {
  const root = resolve(out);
  const model = join(root, 'model');
  const samples = join(root, 'samples');
  const data = join(root, 'Data');
  const logs = join(root, 'logs');
  const checkpoints = join(root, 'checkpoints');
  return {
    root,
    model,
    samples,
    data,
    logs,
    checkpoints,
    latestCheckpoint: join(checkpoints, 'latest.safetensors'),
    trainLog: join(logs, 'train.jsonl'),
    params: join(root, 'params.json'),
    manifest: join(root, 'output_0.manifest'),
    validationReport: join(root, 'validation_report.json'),
    modelFile: (epoch, ext) => join(model, `CycleGan_epoch_${epoch}.${ext}`),
    // The spec's sample names start at 0000: the epoch's index from 0.
    sampleSheet: (epoch) => join(samples, `${String(epoch - 1).padStart(4, '0')}.jpg`),
    dataFile: (c, n) => join(data, `CycleGan_${c}_${n}.jpg`),
  };
}
