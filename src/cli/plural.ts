/** "1 step", "2 steps": counts in messages agree with their nouns. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}
