/**
 * uPlot draws series that share one x array. Runs log at different fractional epochs, so their
 * points are merged onto the union of x values, each series null where it has no point.
 */

export interface Line {
  xs: readonly number[];
  ys: readonly (number | null)[];
}

export function alignLines(lines: readonly Line[]): { x: number[]; ys: (number | null)[][] } {
  const x = [...new Set(lines.flatMap((l) => l.xs))].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const ys = lines.map((line) => {
    const y: (number | null)[] = new Array(x.length).fill(null);
    line.xs.forEach((xv, i) => {
      y[index.get(xv) as number] = line.ys[i];
    });
    return y;
  });
  return { x, ys };
}
