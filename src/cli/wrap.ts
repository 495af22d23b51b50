/** Word wrapping for terminal output: help pages and the messages printed above the progress line. */

/**
 * Breaks one line of text into lines of at most `width` columns between words, so a terminal never
 * wraps them mid-word. A [bracketed group] of a synopsis, a --flag with its value and a name with its
 * number (`D_B 0.219`, `epoch 1/2`) stay on one line. Later lines start with `rest`.
 */
export function wrap(text: string, width: number, first = '', rest = first): string {
  const lines: string[] = [];
  let line = first;
  for (const word of text.match(/\[(?:[^[\]]|\[[^\]]*\])*\]|--\S+(?: [^-\s[]\S*)?|\S+ -?\d\S*|\S+/g) ?? []) {
    const start = lines.length ? rest : first;
    if (line.length > start.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `${rest}${word}`;
    } else line = line.length > start.length ? `${line} ${word}` : `${line}${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}
