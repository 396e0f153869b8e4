import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { Clock } from '../util/Clock.js';
import { checkOption } from './checkOption.js';
import type { CircuitBreakerOptions } from './CircuitBreakerOptions.js';
import type { CircuitBreakerSnapshot } from './CircuitBreakerSnapshot.js';
import { ConsecutiveFailures } from './ConsecutiveFailures.js';
import { CountWindow } from './CountWindow.js';
import { TimeWindow } from './TimeWindow.js';
import { describeValue } from '../util/describeValue.js';

const OWNER = 'CircuitBreakerPolicy';

/**
 * The closed-state metrics of a circuit breaker: a consecutive-failure counter, a sliding window,
 * or both (the breaker opens when either trips). Built and validated from the breaker's options.
 *
 * @internal
 */
export class FailureTracker {
  private readonly consecutive: ConsecutiveFailures | undefined;
  private readonly window: CountWindow | TimeWindow | undefined;

  /** @throws {@link ConfigurationError} on out-of-range or contradictory options. */
  constructor(
    options: CircuitBreakerOptions,
    private readonly clock: Clock,
  ) {
    this.window = createWindow(options);
    const threshold = options.failureThreshold ?? (this.window ? undefined : 5);
    if (threshold !== undefined) {
      this.consecutive = new ConsecutiveFailures(checkOption(OWNER, 'failureThreshold', threshold, { min: 1, integer: true }));
    }
  }

  /** Records one outcome; true when the breaker should open. */
  record(failure: boolean): boolean {
    const byRun = this.consecutive?.record(failure) ?? false;
    if (this.window instanceof CountWindow) return this.window.record(failure) || byRun;
    if (this.window) return this.window.record(failure, this.clock.now()) || byRun;
    return byRun;
  }

  /** True when no failure is counted (a fresh tracker would decide the same from here on). */
  get clean(): boolean {
    return (this.consecutive === undefined || this.consecutive.count === 0) && (this.window === undefined || this.window.failureCount === 0);
  }

  /** Forgets every outcome. */
  reset(): void {
    if (this.consecutive) this.consecutive.count = 0;
    this.window?.reset();
  }

  /** The exportable part of the metrics. */
  snapshot(): Pick<CircuitBreakerSnapshot, 'consecutiveFailures' | 'samples'> {
    const samples = this.window instanceof CountWindow ? this.window.toArray() : undefined;
    return { consecutiveFailures: this.consecutive?.count ?? 0, ...(samples && { samples }) };
  }

  /** Loads metrics exported by {@link snapshot}. */
  restore(snapshot: Pick<CircuitBreakerSnapshot, 'consecutiveFailures' | 'samples'>): void {
    if (this.consecutive) this.consecutive.count = snapshot.consecutiveFailures;
    if (this.window instanceof CountWindow && snapshot.samples) this.window.restore(snapshot.samples);
  }
}

function createWindow(options: CircuitBreakerOptions): CountWindow | TimeWindow | undefined {
  const { window } = options;
  if (window === undefined) {
    if (options.failureRateThreshold !== undefined || options.minimumCalls !== undefined) {
      throw new ConfigurationError(`${OWNER}: "failureRateThreshold" and "minimumCalls" need a "window", e.g. window: { kind: 'count', size: 20 }.`);
    }
    return undefined;
  }
  const rate = options.failureRateThreshold ?? 0.5;
  if (!(typeof rate === 'number' && rate > 0 && rate <= 1)) {
    throw new ConfigurationError(`${OWNER}: option "failureRateThreshold" must be a number in (0, 1], got ${describeValue(rate)}; 0.5 opens at a 50 % failure rate.`);
  }
  if (window.kind === 'count') {
    const size = checkOption(OWNER, 'window.size', window.size, { min: 1, max: 1_000_000, integer: true });
    const min = checkOption(OWNER, 'minimumCalls', options.minimumCalls ?? size, { min: 1, max: size, integer: true });
    return new CountWindow(size, rate, min);
  }
  if (window.kind === 'time') {
    const ms = checkOption(OWNER, 'window.ms', window.ms, { min: 1 });
    const buckets = checkOption(OWNER, 'window.buckets', window.buckets ?? 10, { min: 1, max: 1_000, integer: true });
    const min = checkOption(OWNER, 'minimumCalls', options.minimumCalls ?? 10, { min: 1, integer: true });
    return new TimeWindow(ms, buckets, rate, min);
  }
  throw new ConfigurationError(`${OWNER}: option "window.kind" must be 'count' or 'time'.`);
}
