#!/usr/bin/env node
/**
 * The cyclegan command: parses flags into parameters, calls the library, renders its events.
 * The only place that prints errors and sets the exit code.
 */
import { readFileSync } from 'node:fs';
import { CycleGanError, ConfigError } from '../errors.js';
import { resolveParameters } from '../config/resolve.js';
import { canonicalName } from '../config/resolve.js';
import { train } from '../train/trainer.js';
import { predict } from '../predict/predict.js';
import { parseArgs, takeBoolean, takeString, type ParsedArgs } from './args.js';
import { createRenderer } from './render.js';
import { runDemo } from './demo.js';
import { runValidate } from './validate_command.js';
import { runExport } from './export_command.js';
import { USAGE } from './usage.js';
import { installStopSignals } from './stop_signals.js';
import { describeFileSystemError } from './file_system_errors.js';
import { withObjectStorage } from '../storage/with_object_storage.js';

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the parameter file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    // Editors on Windows save JSON with a byte-order mark; JSON.parse refuses it, manifests already accept it.
    const value = JSON.parse(text.replace(/^\uFEFF/, ''));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch (error) {
    throw new ConfigError(`the parameter file ${path} must hold one JSON object like {"max_epoch": 10}: ${(error as Error).message}`);
  }
}

/** Parameters from --config (if any) overridden by the remaining flags. */
function userParameters(args: ParsedArgs): Record<string, unknown> {
  const configPath = takeString(args, 'config');
  const fromFile = configPath ? readConfigFile(configPath) : {};
  const fromFlags = Object.fromEntries([...args.flags].map(([k, v]) => [k, v === true ? 'true' : v]));
  return { ...fromFile, ...fromFlags };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const render = createRenderer();
  const controller = new AbortController();
  const stop = installStopSignals(controller, (text) => {
    render.flush();
    process.stderr.write(`${text}\n`);
  });
  const common = { onEvent: render, signal: controller.signal };
  switch (args.command) {
    case 'train': {
      const source = takeString(args, 'source', true, 'the folder (or manifest) of source-domain images X');
      const target = takeString(args, 'target', true, 'the folder (or manifest) of target-domain images Y');
      const out = takeString(args, 'out', true, 'the output folder');
      const restart = takeBoolean(args, 'restart');
      const storage = { mode: 'train' as const, restart, endpoint: takeString(args, 's3_endpoint'), onEvent: render };
      const parameters = resolveParameters(userParameters(args));
      const result = await withObjectStorage({ source, target, out }, storage, (local, onEvent) => train({ ...local, parameters, restart, ...common, onEvent }));
      render.flush();
      return result.completed ? 0 : stop.exitCode;
    }
    case 'predict': {
      const source = takeString(args, 'source', true, 'the folder (or manifest) of images to translate');
      const out = takeString(args, 'out', true, 'the output folder');
      const keepSize = takeBoolean(args, 'keep_size');
      const storage = { mode: 'predict' as const, endpoint: takeString(args, 's3_endpoint'), onEvent: render };
      const user = { ...userParameters(args), predict: true };
      const parameters = resolveParameters(user);
      const explicit = new Set(Object.keys(user).map(canonicalName));
      await withObjectStorage({ source, out, resume: parameters.resume }, storage, (local, onEvent) => predict({ ...local, parameters, keepSize, explicit, onEvent }));
      render.flush();
      return 0;
    }
    case 'run': {
      const source = takeString(args, 'source', true, 'the folder (or manifest) of source-domain images X');
      const out = takeString(args, 'out', true, 'the output folder');
      const target = takeString(args, 'target');
      const endpoint = takeString(args, 's3_endpoint');
      const restart = takeBoolean(args, 'restart');
      const user = userParameters(args);
      const parameters = resolveParameters(user);
      if (parameters.predict) {
        const storage = { mode: 'predict' as const, endpoint, onEvent: render };
        await withObjectStorage({ source, out, resume: parameters.resume }, storage, (local, onEvent) => predict({ ...local, parameters, explicit: new Set(Object.keys(user).map(canonicalName)), onEvent }));
        render.flush();
        return 0;
      }
      if (!target) throw new ConfigError('Missing --target: training (predict false) needs the folder of target-domain images Y');
      const storage = { mode: 'train' as const, restart, endpoint, onEvent: render };
      const result = await withObjectStorage({ source, target, out }, storage, (local, onEvent) => train({ ...local, parameters, restart, ...common, onEvent }));
      render.flush();
      return result.completed ? 0 : stop.exitCode;
    }
    case 'validate':
      return runValidate(args, render);
    case 'export':
      return runExport(args);
    case 'demo':
      return runDemo({ out: takeString(args, 'out'), quick: takeBoolean(args, 'quick'), ...common });
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      throw new ConfigError(`Unknown command '${args.command}'. Expected one of train, predict, run, validate, export, demo, help.\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CycleGanError) {
      process.stderr.write(`cyclegan: ${error.message}\n`);
      process.exit(error instanceof ConfigError ? 2 : 1);
    }
    const fileSystem = describeFileSystemError(error);
    if (fileSystem) {
      process.stderr.write(`cyclegan: ${fileSystem}\n`);
      process.exit(1);
    }
    process.stderr.write(`cyclegan: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
