/**
 * Counts failures in a row; any success resets the count. Trips when the count reaches the
 * threshold (`>=`): with threshold 5 the fifth consecutive failure opens the breaker.
 */
export class ConsecutiveFailures {
  /** Current run of failures. */
  count = 0;

  constructor(readonly threshold: number) {}

  /** Records one outcome; true when the breaker should open. */
  record(failure: boolean): boolean {
    this.count = failure ? this.count + 1 : 0;
    return this.count >= this.threshold;
  }
}
