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
import { COMMANDS, commandNamed, synopsis } from './commands.js';
import { asksForHelp, optionValue, parseCommandLine, type CommandLine } from './command_line.js';
import { parametersOfConfigFile } from './config_file.js';
import { commandHelp, overview } from './help.js';
import { closest } from './suggest.js';
import { packageVersion } from '../version.js';
import { createRenderer } from './render.js';
import { runDemo } from './demo.js';
import { runValidate } from './validate_command.js';
import { runExport } from './export_command.js';
import { takeLargeImageOptions } from './large_image_options.js';
import { runEval } from './eval_command.js';
import { runUi, uiPortOf, withDashboard } from './ui_command.js';
import { installStopSignals } from './stop_signals.js';
import { describeFileSystemError } from './file_system_errors.js';
import { directionOf } from './direction.js';
import { asWorker, runLauncher, takeLaunch, workerEvents, workerParameters } from './launch.js';
import { withObjectStorage } from '../storage/with_object_storage.js';
import { isObjectUrl } from '../storage/object_url.js';

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
    return parametersOfConfigFile(value);
  } catch (error) {
    throw new ConfigError(`the parameter file ${path} must hold one JSON object like {"max_epoch": 10}: ${(error as Error).message}`);
  }
}

/** Parameters from --config (if any) overridden by the parameter flags. */
function userParameters(line: CommandLine): Record<string, unknown> {
  const configPath = optionValue(line, 'config');
  const fromFile = configPath ? readConfigFile(configPath) : {};
  return { ...fromFile, ...line.parameters };
}

function terminalWidth(): number {
  return Math.min(process.stdout.columns ?? 100, 120);
}

/** One renderer for the process, so an error can clear the progress line before it is printed. */
const render = createRenderer();

async function main(argv: string[]): Promise<number> {
  const [name = 'help', ...rest] = argv;
  if (name === '--version' || name === '-v' || name === '-V') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = rest.find((a) => !a.startsWith('-'));
    const about = topic === undefined ? undefined : commandNamed(topic);
    if (topic !== undefined && !about) throw unknownCommand(topic);
    process.stdout.write(about ? commandHelp(about, terminalWidth()) : overview(packageVersion(), terminalWidth()));
    return 0;
  }
  const command = commandNamed(name);
  if (!command) throw unknownCommand(name);
  // --help anywhere shows the page and runs nothing (no parsing either: a half-typed line still gets help).
  if (asksForHelp(rest)) {
    process.stdout.write(commandHelp(command, terminalWidth()));
    return 0;
  }
  const args = parseCommandLine(command, rest);
  const required = (option: string) => optionValue(args, option)!;
  const controller = new AbortController();
  const stop = installStopSignals(controller, (text) => {
    render.flush();
    process.stderr.write(`${text}\n`);
  });
  const common = { onEvent: render, signal: controller.signal };
  switch (command.name) {
    case 'train': {
      const out = required('out');
      const restart = args.options.has('restart');
      const launch = takeLaunch(args.options);
      const storage = { mode: 'train' as const, restart, endpoint: optionValue(args, 's3_endpoint'), onEvent: render };
      const parameters = resolveParameters(userParameters(args));
      // --dataroot (the reference's trainA/trainB layout) names both domains itself.
      const [source, target] = [optionValue(args, 'source') ?? '', optionValue(args, 'target') ?? ''];
      if (!parameters.dataroot && (!source || !target)) {
        const missing = source ? 'target' : 'source';
        throw new ConfigError(`Missing --${missing}: the folder (or manifest) of ${missing}-domain images ${source ? 'Y' : 'X'}, or --dataroot D with trainA/ and trainB/ (the PyTorch reference's layout). Usage: ${synopsis(command)}`);
      }
      if ((launch.kind !== 'single' || uiPortOf(args) !== null) && [source, target, out].some(isObjectUrl)) {
        throw new ConfigError('--ui and data-parallel training need local --source, --target and --out for now; copy the data down first (object storage works with a plain train)');
      }
      if (launch.kind === 'launcher') return runLauncher(launch, argv);
      render.setRun(parameters);
      // Data-parallel: rank 0 writes the run folder and serves its dashboard; the other ranks serve none.
      const uiPort = launch.kind === 'worker' && launch.rank !== 0 ? null : uiPortOf(args);
      const result = await withDashboard(uiPort, out, () =>
        asWorker(launch, (distributed) =>
          withObjectStorage({ source, target, out }, storage, (local, onEvent) =>
            train({ ...local, parameters: workerParameters(launch, parameters), restart, ...common, onEvent: workerEvents(launch, onEvent), distributed }),
          ),
        ),
      );
      render.flush();
      return result.completed ? 0 : stop.exitCode;
    }
    case 'predict': {
      const [source, out] = [required('source'), required('out')];
      const keepSize = args.options.has('keep_size');
      const largeImage = takeLargeImageOptions(args);
      const storage = { mode: 'predict' as const, endpoint: optionValue(args, 's3_endpoint'), onEvent: render };
      const user = { ...userParameters(args), predict: true };
      const parameters = resolveParameters(user);
      const explicit = new Set(Object.keys(user).map(canonicalName));
      await withObjectStorage({ source, out, resume: parameters.resume }, storage, (local, onEvent) => predict({ ...local, resume: local.resume ?? '', parameters, keepSize, largeImage, direction: directionOf(args), explicit, onEvent }));
      render.flush();
      return 0;
    }
    case 'run': {
      const [source, out, target] = [required('source'), required('out'), optionValue(args, 'target')];
      const restart = args.options.has('restart');
      const endpoint = optionValue(args, 's3_endpoint');
      const user = userParameters(args);
      const parameters = resolveParameters(user);
      if (parameters.predict) {
        const storage = { mode: 'predict' as const, endpoint, onEvent: render };
        const explicit = new Set(Object.keys(user).map(canonicalName));
        await withObjectStorage({ source, out, resume: parameters.resume }, storage, (local, onEvent) => predict({ ...local, resume: local.resume ?? '', parameters, keepSize: args.options.has('keep_size'), direction: directionOf(args), explicit, onEvent }));
        render.flush();
        return 0;
      }
      if (!target) throw new ConfigError('Missing --target: training (predict false) needs the folder of target-domain images Y');
      render.setRun(parameters);
      const storage = { mode: 'train' as const, restart, endpoint, onEvent: render };
      const result = await withObjectStorage({ source, target, out }, storage, (local, onEvent) => train({ ...local, parameters, restart, ...common, onEvent }));
      render.flush();
      return result.completed ? 0 : stop.exitCode;
    }
    case 'validate':
      return runValidate(args, render);
    case 'export':
      return runExport(args);
    case 'eval':
      return runEval(args, render);
    case 'ui':
      return runUi(args, stop);
    case 'demo':
      return runDemo({ out: optionValue(args, 'out'), quick: args.options.has('quick'), ...common });
    default:
      throw new ConfigError(`the command '${command.name}' is declared but has no handler`);
  }
}

function unknownCommand(name: string): ConfigError {
  const names = COMMANDS.map((c) => c.name);
  const near = closest(name, names);
  return new ConfigError(`Unknown command '${name}'.${near ? ` Did you mean ${near}?` : ''} Expected one of ${names.join(', ')}; \`cyclegan help\` shows what each does.`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    render.flush();
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
