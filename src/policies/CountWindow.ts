/**
 * The last `size` outcomes in a ring buffer with a running failure count: O(1) per call, fixed
 * memory. Trips when at least `minimumCalls` outcomes are in the window and
 * `failures / calls >= threshold` (`>=`, as resilience4j and Polly; 1 failure of 2 trips at 0.5).
 */
export class CountWindow {
  private readonly ring: Uint8Array;
  private filled = 0;
  private next = 0;
  private failures = 0;

  constructor(
    size: number,
    private readonly threshold: number,
    private readonly minimumCalls: number,
  ) {
    this.ring = new Uint8Array(size);
  }

  /** Records one outcome; true when the breaker should open. */
  record(failure: boolean): boolean {
    if (this.filled === this.ring.length) this.failures -= this.ring[this.next];
    else this.filled++;
    this.ring[this.next] = failure ? 1 : 0;
    if (failure) this.failures++;
    this.next = (this.next + 1) % this.ring.length;
    return this.filled >= this.minimumCalls && this.failures / this.filled >= this.threshold;
  }

  /** Failures in the window. */
  get failureCount(): number {
    return this.failures;
  }

  /** Forgets every outcome. */
  reset(): void {
    this.ring.fill(0);
    this.filled = 0;
    this.next = 0;
    this.failures = 0;
  }

  /** The outcomes in the window, oldest first (1 = failure). */
  toArray(): number[] {
    const start = this.filled === this.ring.length ? this.next : 0;
    return Array.from({ length: this.filled }, (_, i) => this.ring[(start + i) % this.ring.length]);
  }

  /** Replaces the window with `samples` (oldest first; only the newest `size` are kept). */
  restore(samples: readonly number[]): void {
    this.reset();
    for (const s of samples.slice(-this.ring.length)) this.record(s === 1);
  }
}
