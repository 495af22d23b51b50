/** The values rank r contributes in the process-group tests; the test recomputes them on its own. */
export function contribution(r: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround((r + 1) * 0.5 + i * 0.25 - (r === 1 ? i * i * 0.125 : 0)));
}
