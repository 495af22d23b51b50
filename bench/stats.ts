/** Summaries of timing samples: the median (what tables report) and its spread. */

export interface Summary {
  /** Number of samples. */
  n: number;
  median: number;
  /** 25th and 75th percentiles (linear interpolation, like numpy's default). */
  p25: number;
  p75: number;
  min: number;
  max: number;
  /** Interquartile range over the median: the spread a table shows as ±x%. */
  relIqr: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no samples');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(samples: readonly number[]): number {
  return quantile([...samples].sort((a, b) => a - b), 0.5);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const med = quantile(sorted, 0.5);
  const p25 = quantile(sorted, 0.25);
  const p75 = quantile(sorted, 0.75);
  return { n: sorted.length, median: med, p25, p75, min: sorted[0], max: sorted[sorted.length - 1], relIqr: (p75 - p25) / med };
}
