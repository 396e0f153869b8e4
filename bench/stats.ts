/**
 * Statistics over benchmark rounds. Every case measured by `compare` keeps one sample per round (in
 * round order), so two cases measured in the same call can be *paired*: the difference or ratio is
 * taken round by round (the two samples ran within the same round, under the same machine load),
 * then the median of those per-round figures is reported.
 */

/** A figure over rounds: median, min, max and the per-round samples it was taken from. */
export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** One value per round, in round order (empty for a single measurement). */
  readonly samples: readonly number[];
}

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median, min and max of per-round samples. */
export function statsOf(samples: readonly number[]): Stats {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

/** A single value (no rounds). */
export function single(value: number): Stats {
  return { median: value, min: value, max: value, samples: [] };
}

function pairwise(a: Stats, b: Stats, f: (x: number, y: number) => number): Stats {
  if (a.samples.length === 0 || a.samples.length !== b.samples.length) {
    throw new Error('Paired statistics need two cases measured in the same rounds (same compare call).');
  }
  return statsOf(a.samples.map((x, r) => f(x, b.samples[r]!)));
}

/** Per round `a − b`, then the median: what `a` adds over `b` (e.g. a policy over a plain call). */
export function pairedDifference(a: Stats, b: Stats): Stats {
  return pairwise(a, b, (x, y) => x - y);
}

/** Per round `a / b`, then the median. */
export function pairedRatio(a: Stats, b: Stats): Stats {
  return pairwise(a, b, (x, y) => x / y);
}
