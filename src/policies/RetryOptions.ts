import type { Clock } from '../util/Clock.js';
import type { RetryBudget } from './RetryBudget.js';

/** How a {@link RetryPolicy} randomises its delays (see the AWS "Exponential Backoff And Jitter" post). */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

/** A class of errors, for {@link RetryOptions.retryOn}. */
export type ErrorClass = new (...args: never[]) => Error;

/** Decides whether an error is worth another attempt; `attempt` is the 1-based attempt that failed. */
export type RetryPredicate = (error: unknown, attempt: number) => boolean;

/** Options of a {@link RetryPolicy}. All durations in milliseconds. */
export interface RetryOptions {
  /** Retries after the first call (so at most `maxRetries + 1` calls). Never infinite. Default 3. */
  readonly maxRetries?: number;
  /** Delay before the first retry, before jitter. Default 100. */
  readonly baseDelay?: number;
  /** Cap on every delay. Default 30 000. */
  readonly maxDelay?: number;
  /** Growth of the delay per retry: before jitter, retry n waits `min(maxDelay, baseDelay · factor^(n−1))`. Default 2. */
  readonly factor?: number;
  /** Randomisation of each delay. Default `'full'`. */
  readonly jitter?: Jitter;
  /**
   * Which errors are retried. A list of classes retries instances of those classes, but never the
   * non-retryable agentwire errors (`CantHandleError`, `MessageValidationError`, `CircuitOpenError`,
   * `CancelledError`). A predicate decides alone and may opt into those. Default: every error except
   * those four.
   */
  readonly retryOn?: readonly ErrorClass[] | RetryPredicate;
  /** A token bucket shared with other policies that caps retries fleet-wide. Default: none. */
  readonly budget?: RetryBudget;
  /** Time source for backoff sleeps. Default: the system clock. */
  readonly clock?: Clock;
  /** Source of randomness in [0, 1) for jitter. Default `Math.random`. */
  readonly random?: () => number;
}
