/** The --direction option of predict, run and export: which generator of a checkpoint translates. */
import { ConfigError } from '../errors.js';
import { optionValue, type CommandLine } from './command_line.js';

export type Direction = 'AtoB' | 'BtoA';

export function directionOf(line: CommandLine): Direction {
  const direction = optionValue(line, 'direction') ?? 'AtoB';
  if (direction !== 'AtoB' && direction !== 'BtoA') throw new ConfigError(`Expected AtoB or BtoA for --direction but received '${direction}'`);
  return direction;
}
