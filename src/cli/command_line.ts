/**
 * Parses one command's arguments against its declaration (commands.ts): `--name value`, `--name=value`,
 * kebab-case names, and `--` before positionals that start with a dash. Refuses what the command does
 * not take (naming the nearest known flag), stray positional arguments and value options given no value.
 */
import { ConfigError } from '../errors.js';
import { PARAMETER_NAMES, PARAMETERS } from '../config/parameters.js';
import { synopsis, type CommandSpec } from './commands.js';
import { closest } from './suggest.js';

export interface CommandLine {
  positionals: string[];
  /** Declared options by name: true for a flag given, else the value. */
  options: Map<string, string | true>;
  /** Run parameters given as flags, by canonical name, as typed (resolveParameters coerces them). */
  parameters: Record<string, string>;
}

const BOOLEAN_WORDS = new Set(['true', 'false', '1', '0', 'yes', 'no']);

/** `--help` or `-h` anywhere before a `--`. */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function describe(spec: { help: string; values?: string; default?: string }): string {
  return [spec.help, spec.values && `accepted: ${spec.values}`, spec.default !== undefined && `default ${spec.default}`].filter(Boolean).join('; ');
}

export function parseCommandLine(command: CommandSpec, argv: readonly string[]): CommandLine {
  const positionals: string[] = [];
  /** The boolean flag each positional came right after: `--flip nope` is a bad value, not a stray argument. */
  const afterFlag = new Map<number, string>();
  const options = new Map<string, string | true>();
  const parameters: Record<string, string> = {};
  const seen = new Map<string, string>();
  const usage = `Usage: ${synopsis(command)}`;
  const known = [...command.options.map((o) => o.name), ...(command.parameters ? PARAMETER_NAMES : [])];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || /^-\d/.test(arg)) {
      const previous = argv[i - 1];
      if (previous?.startsWith('--') && !previous.includes('=') && seen.get(previous.slice(2).replace(/-/g, '_')) === previous) afterFlag.set(positionals.length, previous);
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new ConfigError(`Unknown option ${arg} for ${command.name} (options are spelt out: --name value). ${usage}`);
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    const typed = eq >= 0 ? body.slice(0, eq) : body;
    const name = typed.replace(/-/g, '_');
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (!name) throw new ConfigError(`Expected a flag name after -- but received '${arg}'`);
    if (seen.has(name)) throw new ConfigError(`--${name} is given twice (${seen.get(name)} and ${arg}); give it once`);
    seen.set(name, arg);

    const option = command.options.find((o) => o.name === name);
    const parameter = command.parameters && !option && (PARAMETER_NAMES as readonly string[]).includes(name) ? PARAMETERS[name as keyof typeof PARAMETERS] : undefined;
    if (!option && !parameter) {
      const near = closest(name, known);
      const hint = near ? ` Did you mean --${near}?` : '';
      throw new ConfigError(`Unknown option --${typed} for ${command.name}.${hint} Run \`cyclegan help ${command.name}\` for the options it takes.`);
    }
    const isFlag = option ? option.takes === 'flag' : parameter!.type === 'boolean';
    let value: string | true;
    if (option?.takes === 'flag-or-number') {
      value = inline ?? (/^\d+$/.test(argv[i + 1] ?? '') ? argv[++i] : true);
    } else if (inline !== undefined) {
      if (option?.takes === 'flag' && !BOOLEAN_WORDS.has(inline.toLowerCase())) throw new ConfigError(`--${name} takes no value, but received '${inline}'`);
      value = inline;
    } else if (isFlag) {
      // A boolean may be followed by its value (`--flip false`); anything else after it is the next argument.
      const next = argv[i + 1];
      value = next !== undefined && BOOLEAN_WORDS.has(next.toLowerCase()) ? argv[++i] : true;
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        const what = option ? describe(option) : describe({ help: parameter!.help, default: JSON.stringify(parameter!.default()) });
        throw new ConfigError(`--${name} needs a value (${what}), e.g. --${name} ${option?.placeholder ?? JSON.stringify(parameter!.default())}`);
      }
      value = argv[++i];
    }
    if (option) {
      if (option.takes === 'flag' && value !== true) value = ['true', '1', 'yes'].includes(value.toLowerCase()) ? true : 'false';
      if (value !== 'false') options.set(name, value);
    } else {
      parameters[name] = value === true ? 'true' : value;
    }
  }

  if (positionals.length > command.positionals.length && !(command.repeatsLastPositional && command.positionals.length > 0)) {
    const stray = positionals.slice(command.positionals.length);
    const flag = afterFlag.get(command.positionals.length);
    if (flag) throw new ConfigError(`${flag} takes true or false (or nothing, meaning true), but received '${positionals[command.positionals.length]}'`);
    const takes = command.positionals.length === 0 ? 'takes no positional arguments' : `takes ${command.positionals.map((p) => p.name).join(' ')} only`;
    throw new ConfigError(`Unexpected argument${stray.length > 1 ? 's' : ''} ${stray.map((s) => `'${s}'`).join(' ')}: cyclegan ${command.name} ${takes}. ${usage}`);
  }
  for (const [k, p] of command.positionals.entries()) {
    if (positionals[k] === undefined) throw new ConfigError(`Missing ${p.name} (${p.help}). ${usage}`);
  }
  for (const o of command.options) {
    if (o.required && !options.has(o.name)) throw new ConfigError(`Missing --${o.name}: ${o.help}. ${usage}`);
  }
  return { positionals, options, parameters };
}

/** A declared value option (undefined when absent), or a flag's presence. */
export function optionValue(line: CommandLine, name: string): string | undefined {
  const v = line.options.get(name);
  return v === true ? undefined : v;
}
