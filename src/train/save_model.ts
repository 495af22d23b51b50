/**
 * What a save writes to model/: the X->Y generator as CycleGan_epoch_N.safetensors (for predict,
 * export and resuming work elsewhere), and the same generator frozen as CycleGan_epoch_N.pb
 * (TensorFlow GraphDef, as the operator spec asks) and CycleGan_epoch_N.onnx.
 */
import type { Parameters } from '../config/parameters.js';
import { exportGenerator, modelMetadata } from '../export/index.js';
import { saveGenerator } from '../io/checkpoint.js';
import type { CycleGan } from '../model/cyclegan.js';
import type { RunFolder } from '../io/run_folder.js';

export async function saveModelFiles(model: CycleGan, p: Readonly<Parameters>, epoch: number, folder: RunFolder): Promise<string[]> {
  const files = [folder.modelFile(epoch, 'safetensors'), folder.modelFile(epoch, 'pb'), folder.modelFile(epoch, 'onnx')];
  saveGenerator(files[0], model.generatorForUse(), model.generatorSpec(), { direction: 'AtoB', image_height: p.image_height, image_width: p.image_width, epoch });
  const metadata = modelMetadata({ direction: 'AtoB', channels: p.image_channel, image_height: p.image_height, image_width: p.image_width, epoch });
  exportGenerator(model.generatorForUse(), 'pb', files[1], metadata);
  exportGenerator(model.generatorForUse(), 'onnx', files[2], metadata);
  return files;
}
