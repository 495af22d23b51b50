/** One option of a command, as the command table (commands.ts) and the launch options declare it. */
export interface OptionSpec {
  /** snake_case, as typed after `--` (kebab-case is accepted too). */
  name: string;
  /**
   * A flag is true by being there; a value option needs the word after it (or `--name=value`);
   * a flag-or-number is true alone and takes the word after it when that is a whole number (`--ui`, `--ui 8080`).
   */
  takes: 'flag' | 'value' | 'flag-or-number';
  /** What the value is, in the synopsis: `--out DIR`. */
  placeholder?: string;
  /** Accepted values, when not any string. */
  values?: string;
  /** The default, as shown in help. */
  default?: string;
  required?: boolean;
  help: string;
}
