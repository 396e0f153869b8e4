/**
 * Targets a row is judged against. A target sees the row's ratio (agentwire / baseline, paired over
 * the rounds of one `compare` call) and agentwire's own value; the report turns the answer into
 * met / missed, or invalid when the measurement cannot be judged (see `report.ts`).
 */
export interface Target {
  readonly text: string;
  judge(ratio: number, value: number): boolean;
}

/** Met when agentwire / baseline ≤ `limit`. */
export function ratioAtMost(limit: number, text = `≤ ${limit}×`): Target {
  return { text, judge: (ratio) => ratio <= limit };
}

/** Met when agentwire is at least `factor` times faster (or cheaper): agentwire / baseline ≤ 1 / factor. */
export function timesBetter(factor: number, word: 'faster' | 'cheaper'): Target {
  return { text: `≥ ${factor}× ${word}`, judge: (ratio) => ratio <= 1 / factor };
}

/** Met when agentwire's own value is at most `limit` (e.g. bytes per pending request). */
export function valueAtMost(limit: number, unit: string): Target {
  return { text: `≤ ${limit.toLocaleString('en-US')} ${unit}`, judge: (_ratio, value) => value <= limit };
}
