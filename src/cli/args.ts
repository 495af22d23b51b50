/**
 * Command-line parsing: a command, positional arguments, and `--name value` / `--name=value` flags.
 * A flag followed by another flag (or nothing) is a boolean true. Names keep the spec's snake_case;
 * kebab-case is accepted too.
 */
import { ConfigError } from '../errors.js';

export interface ParsedArgs {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [command = 'help', ...rest] = argv;
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    const name = (eq >= 0 ? body.slice(0, eq) : body).replace(/-/g, '_');
    if (!name) throw new ConfigError(`Expected a flag name after -- but received '${arg}'`);
    if (eq >= 0) flags.set(name, body.slice(eq + 1));
    else if (i + 1 < rest.length && !rest[i + 1].startsWith('--')) flags.set(name, rest[++i]);
    else flags.set(name, true);
  }
  return { command, positional, flags };
}

/** Removes and returns a string flag; `required` makes its absence an error that says how to give it. */
export function takeString(args: ParsedArgs, name: string, required: true, hint: string): string;
export function takeString(args: ParsedArgs, name: string, required?: false, hint?: string): string | undefined;
export function takeString(args: ParsedArgs, name: string, required = false, hint = ''): string | undefined {
  const value = args.flags.get(name);
  args.flags.delete(name);
  if (value === undefined || value === true) {
    if (required) throw new ConfigError(`Missing --${name}: ${hint}`);
    return undefined;
  }
  return value;
}

export function takeBoolean(args: ParsedArgs, name: string): boolean {
  const value = args.flags.get(name);
  args.flags.delete(name);
  return value === true || value === 'true' || value === '1';
}
