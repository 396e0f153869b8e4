/**
 * Outcomes of the last `ms` milliseconds in `buckets` rolling buckets, with running totals that
 * subtract a bucket's counts when it expires: O(buckets) worst case, O(1) amortised per call,
 * fixed memory. Trips when at least `minimumCalls` outcomes are in the window and
 * `failures / calls >= threshold`.
 */
export class TimeWindow {
  private readonly calls: Float64Array;
  private readonly failures: Float64Array;
  private readonly bucketMs: number;
  private totalCalls = 0;
  private totalFailures = 0;
  private current = Number.NEGATIVE_INFINITY;

  constructor(
    ms: number,
    buckets: number,
    private readonly threshold: number,
    private readonly minimumCalls: number,
  ) {
    this.calls = new Float64Array(buckets);
    this.failures = new Float64Array(buckets);
    this.bucketMs = ms / buckets;
  }

  /** Records one outcome at time `now`; true when the breaker should open. */
  record(failure: boolean, now: number): boolean {
    const slot = this.rotate(now);
    this.calls[slot]++;
    this.totalCalls++;
    if (failure) {
      this.failures[slot]++;
      this.totalFailures++;
    }
    return this.totalCalls >= this.minimumCalls && this.totalFailures / this.totalCalls >= this.threshold;
  }

  /** Calls and failures in the window as of `now`. */
  counts(now: number): { calls: number; failures: number } {
    this.rotate(now);
    return { calls: this.totalCalls, failures: this.totalFailures };
  }

  /** Failures in the window as of the last call recorded (expired buckets may still count: never under-reports). */
  get failureCount(): number {
    return this.totalFailures;
  }

  /** Forgets every outcome. */
  reset(): void {
    this.calls.fill(0);
    this.failures.fill(0);
    this.totalCalls = 0;
    this.totalFailures = 0;
  }

  /** Expires buckets older than the window and returns the slot for `now`. */
  private rotate(now: number): number {
    const n = this.calls.length;
    const index = Math.floor(now / this.bucketMs);
    if (this.current === Number.NEGATIVE_INFINITY) this.current = index;
    const steps = Math.min(index - this.current, n);
    for (let i = 1; i <= steps; i++) this.clear((((this.current + i) % n) + n) % n);
    if (index > this.current) this.current = index;
    return ((this.current % n) + n) % n;
  }

  private clear(slot: number): void {
    this.totalCalls -= this.calls[slot];
    this.totalFailures -= this.failures[slot];
    this.calls[slot] = 0;
    this.failures[slot] = 0;
  }
}
