import { CycleGanError } from '../errors.js';

/** A network cannot be written as ONNX or a frozen TensorFlow graph (a layer the writers do not know). */
export class ExportError extends CycleGanError {
  constructor(message: string) {
    super('EXPORT', message);
  }
}
