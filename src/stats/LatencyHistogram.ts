import { checkOption } from '../policies/checkOption.js';

/** A summary of recorded durations, in milliseconds (all 0 while nothing was recorded). */
export interface LatencySummary {
  /** How many durations were recorded. */
  readonly count: number;
  /** The exact mean. */
  readonly mean: number;
  /** The exact minimum. */
  readonly min: number;
  /** The exact maximum. */
  readonly max: number;
  /** The median, within the histogram's relative accuracy. */
  readonly p50: number;
  /** The 90th percentile, within the histogram's relative accuracy. */
  readonly p90: number;
  /** The 95th percentile, within the histogram's relative accuracy. */
  readonly p95: number;
  /** The 99th percentile, within the histogram's relative accuracy. */
  readonly p99: number;
}

/** Durations under this (1 µs) are recorded as 0. */
const SMALLEST = 1e-3;
/** Durations over this (about 31 years) are recorded as this. */
const LARGEST = 1e12;

/**
 * Durations in logarithmic buckets (the DDSketch scheme): bucket `i` holds the values in
 * `(γ^(i-1), γ^i]` with `γ = (1 + α) / (1 - α)`, and reports the value `2γ^i / (γ + 1)`, which is
 * within `α` (the relative accuracy, default 1 %) of every value in it. So every percentile it
 * reports is within `α` of the exact one (nearest rank: the `⌈q·n⌉`-th smallest value), and
 * memory stays bounded however many values are recorded: at most `ln(10^15) / ln(γ)` buckets
 * (about 1,730 at 1 %), whatever the traffic, usually a few dozen. Count, mean, min and max are exact.
 */
export class LatencyHistogram {
  private readonly logGamma: number;
  private readonly gamma: number;
  private readonly counts = new Map<number, number>();
  /** Bucket indexes in ascending order, rebuilt when a percentile is asked after new buckets appeared. */
  private sorted: number[] | undefined = [];
  private zeros = 0;
  private total = 0;
  private sum = 0;
  private low = Infinity;
  private high = -Infinity;

  /** @throws {@link ConfigurationError} when `relativeAccuracy` is not in [0.0001, 0.5]. */
  constructor(readonly relativeAccuracy = 0.01) {
    checkOption('LatencyHistogram', 'relativeAccuracy', relativeAccuracy, { min: 0.0001, max: 0.5 });
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
  }

  /** How many values were recorded. */
  get count(): number {
    return this.total;
  }

  /** How many buckets it holds now (its memory, at about 50 bytes a bucket). */
  get bucketCount(): number {
    return this.counts.size;
  }

  /** Records one duration in milliseconds (negative and NaN values count as 0). */
  record(ms: number): void {
    const value = ms > 0 ? Math.min(ms, LARGEST) : 0;
    this.total++;
    this.sum += value;
    if (value < this.low) this.low = value;
    if (value > this.high) this.high = value;
    if (value < SMALLEST) {
      this.zeros++;
      return;
    }
    const index = Math.ceil(Math.log(value) / this.logGamma);
    const n = this.counts.get(index);
    if (n === undefined) this.sorted = undefined;
    this.counts.set(index, (n ?? 0) + 1);
  }

  /** The value at quantile `q` (0 ≤ q ≤ 1): exact for 0 and 1, within the relative accuracy otherwise; 0 when empty. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    if (q <= 0) return this.low;
    if (q >= 1) return this.high;
    const rank = Math.max(0, Math.ceil(q * this.total - 1e-9) - 1); // 0-based nearest rank
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (const index of this.indexes()) {
      seen += this.counts.get(index)!;
      if (seen > rank) return Math.min(this.high, Math.max(this.low, (2 * this.gamma ** index) / (this.gamma + 1)));
    }
    return this.high;
  }

  /** Count, mean, min, max and the usual percentiles. */
  summary(): LatencySummary {
    if (this.total === 0) return { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0 };
    return {
      count: this.total,
      mean: this.sum / this.total,
      min: this.low,
      max: this.high,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
    };
  }

  private indexes(): number[] {
    return (this.sorted ??= [...this.counts.keys()].sort((a, b) => a - b));
  }
}
