import type { Clock } from '../util/Clock.js';
import type { CircuitBreakerSnapshot } from './CircuitBreakerSnapshot.js';

/** The states of a {@link CircuitBreakerPolicy}. `'isolated'` is a manual hold: it rejects every call. */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/** A sliding window of recent outcomes: the last `size` calls, or the last `ms` milliseconds in `buckets` buckets (default 10). */
export type BreakerWindow = { readonly kind: 'count'; readonly size: number } | { readonly kind: 'time'; readonly ms: number; readonly buckets?: number };

/** Options of a {@link CircuitBreakerPolicy}. All durations in milliseconds. */
export interface CircuitBreakerOptions {
  /** Opens after this many failures in a row (`>=`). Default 5 when no `window` is given; with a window, only if set. */
  readonly failureThreshold?: number;
  /** Opens on the failure rate over a sliding window instead of (or as well as) consecutive failures. */
  readonly window?: BreakerWindow;
  /** With `window`: opens when `failures / calls >= failureRateThreshold` (0 < x ≤ 1). Default 0.5. */
  readonly failureRateThreshold?: number;
  /** With `window`: the rate is ignored until the window holds this many calls. Default: the count window's size, or 10 for a time window. */
  readonly minimumCalls?: number;
  /** How long the breaker stays open before admitting trial calls. Required. */
  readonly recoveryTimeout: number;
  /** Each re-open from half-open multiplies the open duration by `factor`, up to `max`; closing resets it. Default: no growth. */
  readonly recoveryBackoff?: { readonly factor: number; readonly max: number };
  /** How many trial calls half-open admits; all must succeed to close. Default 1. */
  readonly halfOpenMaxCalls?: number;
  /** Which errors count as failures. An error it rejects counts as a success (and is still rethrown). Default: every error. */
  readonly isFailure?: (error: unknown) => boolean;
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
  /** State to start from, as produced by {@link CircuitBreakerPolicy.toJSON}. */
  readonly initialState?: CircuitBreakerSnapshot;
}
