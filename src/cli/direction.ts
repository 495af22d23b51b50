/** The --direction option of predict, run and export: which generator of a checkpoint translates. */
import { ConfigError } from '../errors.js';
import { optionValue, type CommandLine } from './command_line.js';

export type Direction = 'AtoB' | 'BtoA';

/** The direction given, or undefined when --direction is absent (a checkpoint then gives AtoB, an exported file its own). */
export function directionOf(line: CommandLine): Direction | undefined {
  const direction = optionValue(line, 'direction');
  if (direction === undefined) return undefined;
  if (direction !== 'AtoB' && direction !== 'BtoA') throw new ConfigError(`Expected AtoB or BtoA for --direction but received '${direction}'`);
  return direction;
}
