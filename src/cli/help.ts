/** Help pages, generated from the command declarations (commands.ts) and the parameter table (parameters.ts). */
import { availableParallelism } from 'node:os';
import { PARAMETER_NAMES, PARAMETERS, type ParameterSpec } from '../config/parameters.js';
import { COMMANDS, synopsis, type CommandSpec, type OptionSpec } from './commands.js';
import { wrap } from './wrap.js';

/** What a parameter accepts: its check's own description of what it expected, or its type. */
export function acceptedValues(spec: ParameterSpec): string {
  // Every check describes what it expected when given a value it cannot accept; undefined is one.
  const fromCheck = spec.check?.(undefined);
  if (fromCheck) return fromCheck;
  return { boolean: 'true or false', integer: 'an integer', number: 'a number', string: 'any text' }[spec.type];
}

function shownDefault(name: string, spec: ParameterSpec): string {
  if (name === 'threads') return `all cores (${availableParallelism()} here)`;
  const value = spec.default();
  return value === '' ? 'none' : String(value);
}

/** Each line of a paragraph wrapped to the width. */
function prose(text: string, width: number): string {
  return text
    .split('\n')
    .map((l) => wrap(l, width))
    .join('\n');
}

/** A shell command wrapped with backslash continuations, so it still pastes as one command. */
function example(command: string, width: number): string {
  return wrap(command, width - 2, '  ', '      ').replace(/\n/g, ' \\\n');
}

/** Lays out "  --name TEXT" rows with the description wrapped beside them. */
function rows(entries: [string, string][], width: number): string {
  const left = Math.min(30, Math.max(...entries.map(([k]) => k.length)) + 4);
  const room = Math.max(30, width - left);
  return entries
    .map(([k, text]) => {
      const words = text.split(' ');
      const lines: string[] = [];
      let line = '';
      for (const w of words) {
        if (line && line.length + 1 + w.length > room) {
          lines.push(line);
          line = w;
        } else line = line ? `${line} ${w}` : w;
      }
      lines.push(line);
      const head = `  ${k}`.padEnd(left);
      return [head.length > left ? `${head}\n${' '.repeat(left)}${lines[0]}` : `${head}${lines[0]}`, ...lines.slice(1).map((l) => ' '.repeat(left) + l)].join('\n');
    })
    .join('\n');
}

function optionRow(o: OptionSpec): [string, string] {
  const head = o.takes === 'flag' ? `--${o.name}` : o.takes === 'flag-or-number' ? `--${o.name} [${o.placeholder ?? 'N'}]` : `--${o.name} ${o.placeholder ?? 'VALUE'}`;
  const text = [o.help, o.values && `(${o.values})`, o.required ? '[required]' : o.default !== undefined ? `[default: ${o.default}]` : ''].filter(Boolean).join(' ');
  return [head, text];
}

export function parameterRows(width: number): string {
  return rows(
    PARAMETER_NAMES.map((n) => {
      const spec = PARAMETERS[n];
      return [`--${n}`, `${spec.help}; ${acceptedValues(spec)} [default: ${shownDefault(n, spec)}]`];
    }),
    width,
  );
}

export function commandHelp(c: CommandSpec, width = 100): string {
  const parts = [wrap(`cyclegan ${c.name}: ${c.summary}`, width), '', wrap(`Usage: ${synopsis(c)}`, width, '', '    ')];
  if (c.positionals.length) parts.push('', 'Arguments:', rows(c.positionals.map((p) => [p.name, p.help]), width));
  if (c.name === 'help') parts.push('', 'Arguments:', rows([['COMMAND', `one of ${COMMANDS.map((x) => x.name).join(', ')}`]], width));
  const options = [...c.options.map(optionRow), ['--help', 'show this page and do nothing else'] as [string, string]];
  parts.push('', 'Options:', rows(options, width));
  if (c.parameters) {
    parts.push('', wrap('Parameters (also keys of --config; kebab-case works too, e.g. --image-height 128):', width), parameterRows(width));
  }
  if (c.notes) parts.push('', prose(c.notes, width));
  parts.push('', 'Example:', example(c.example, width), '');
  return parts.join('\n');
}

export function overview(version: string, width = 100): string {
  return [
    `cyclegan ${version}: unpaired image-to-image translation (CycleGAN) on libtorch`,
    '',
    'Usage:',
    ...COMMANDS.filter((c) => c.name !== 'help').map((c) => wrap(synopsis(c), width, '  ', '      ')),
    '',
    'Commands:',
    rows(COMMANDS.map((c) => [c.name, c.summary]), width),
    '',
    wrap('Run `cyclegan help COMMAND` (or `cyclegan COMMAND --help`) for every option of a command, with defaults and an example.', width),
    '`cyclegan --version` prints the version.',
    '',
    'Example:',
    example('cyclegan train --source photos/day --target photos/night --out runs/day2night --max_epoch 20', width),
    '',
  ].join('\n');
}
