/**
 * The library: `import { train, predict, exportModel, validate } from 'cyclegan'`. Each call takes one
 * options object, reports progress through `onEvent` (the RunEvent union the CLI renders) and throws
 * the typed errors of ./errors.js; none of them prints or exits.
 */
export { train, type TrainOptions, type TrainResult } from './train/trainer.js';
export { predict, type PredictOptions } from './predict/predict.js';
export { exportModel, type ExportModelOptions } from './export/export_model.js';
export { validate, type ValidateInputOptions as ValidateOptions, type ValidateInputResult as ValidateResult } from './data/validate_input.js';
export { evaluateFolders, type EvaluateFoldersOptions, type EvaluationReport } from './metrics/evaluate_folders.js';
export { resolveParameters, defaultParameters } from './config/resolve.js';
export { PARAMETERS, PARAMETER_NAMES, type Parameters } from './config/parameters.js';
export type { RunEvent, EventSink } from './io/events.js';
export { startDashboard, type Dashboard, type DashboardOptions } from './ui/server.js';
export { writeRunReport } from './ui/report.js';
export type { ModelMetadata } from './io/model_metadata.js';
export type { Losses } from './model/cyclegan.js';
export { CycleGanError, ConfigError, DatasetError, CheckpointError, EngineError, ExportError } from './errors.js';
export { packageVersion } from './version.js';
export { withObjectStorage, type ObjectStorageOptions, type RunPaths } from './storage/with_object_storage.js';
export { StorageError } from './errors.js';
