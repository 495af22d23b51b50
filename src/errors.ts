/**
 * Typed errors. Each has a stable `code` so callers (the CLI, tests) can tell them apart,
 * and a message that says what was expected and how to fix it.
 */
export class CycleGanError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A libtorch op failed (bad shapes or dtypes, a disposed tensor, a missing device). */
export class EngineError extends CycleGanError {
  constructor(message: string) {
    super('ENGINE', message);
  }
}

/** A parameter has a bad value or is unknown. */
export class ConfigError extends CycleGanError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/** An input folder, file or manifest cannot be used. */
export class DatasetError extends CycleGanError {
  constructor(message: string) {
    super('DATASET', message);
  }
}

/** A checkpoint or exported model cannot be read or does not fit. */
export class CheckpointError extends CycleGanError {
  constructor(message: string) {
    super('CHECKPOINT', message);
  }
}

/** A network cannot be written as ONNX or a frozen TensorFlow graph (a layer the writers do not know). */
export class ExportError extends CycleGanError {
  constructor(message: string) {
    super('EXPORT', message);
  }
}

/** The output folder cannot be used: not a folder, not writable, full, or held by another run. */
export class OutputError extends CycleGanError {
  constructor(message: string) {
    super('OUTPUT', message);
  }
}

/** Data-parallel training failed: a rank could not join, died, or the ranks disagree. */
export class DistributedError extends CycleGanError {
  constructor(message: string) {
    super('DISTRIBUTED', message);
  }
}
