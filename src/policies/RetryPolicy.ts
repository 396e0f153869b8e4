import { CallbackError } from '../errors/CallbackError.js';
import type { Clock } from '../util/Clock.js';
import { DeadlineScheduler } from '../util/DeadlineScheduler.js';
import { Emitter } from './Emitter.js';
import { backoffDelay } from './backoffDelay.js';
import { FunctionRun } from './FunctionRun.js';
import { isNeverRetried } from './isNeverRetried.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import type { Policy, PolicyContext } from './Policy.js';
import { GAVE_UP, RETRYING, SUCCEEDED, stackOf, type PolicyStack, type RetryStage } from './PolicyStack.js';
import { resolveRetryOptions, type ResolvedRetryOptions } from './resolveRetryOptions.js';
import type { RetryOptions } from './RetryOptions.js';

/** Payload of {@link RetryPolicy.onRetry}: the attempt that failed, the delay before the next one, and its error. */
export interface RetryEvent {
  readonly attempt: number;
  readonly delay: number;
  readonly error: unknown;
}

/** Payload of {@link RetryPolicy.onGiveUp}: how many attempts ran, and the error being rethrown. */
export interface GiveUpEvent {
  readonly attempts: number;
  readonly error: unknown;
}

/** Payload of {@link RetryPolicy.onSuccess}: how many attempts it took. */
export interface RetrySuccessEvent {
  readonly attempts: number;
}

/**
 * Retries a failing call with exponential backoff and jitter.
 *
 * - At most `maxRetries + 1` calls (default 4); never infinite.
 * - When attempts run out, rejects with the **last** attempt's error object, unchanged.
 * - Never retries `CantHandleError`, `MessageValidationError`, `CircuitOpenError` or `CancelledError`
 *   unless an explicit `retryOn` predicate says so; a `retryOn` class list cannot re-enable them.
 * - Backoff sleeps run on the injected clock and are abortable: aborting the caller's signal during a
 *   sleep rejects at once with `CancelledError`. If the signal aborts while an attempt runs, that
 *   attempt's error is rethrown and nothing is retried.
 *
 * @example
 * ```ts
 * const retry = new RetryPolicy({ maxRetries: 3, baseDelay: 100, jitter: 'full' });
 * retry.onRetry(({ attempt, delay }) => console.log(`attempt ${attempt} failed, retrying in ${delay} ms`));
 * const data = await retry.execute(({ attempt, signal }) => fetchReport(signal), controller.signal);
 * ```
 */
export class RetryPolicy implements Policy, RetryStage {
  /** The options in force, defaults applied. */
  readonly options: ResolvedRetryOptions;
  /** @internal This policy alone, as a pipeline. */
  readonly stack: PolicyStack;
  /** @internal Where backoff waits are scheduled (the clock's one scheduler). */
  readonly scheduler: DeadlineScheduler;
  private readonly retryEmitter = new Emitter<RetryEvent>();
  private readonly giveUpEmitter = new Emitter<GiveUpEvent>();
  private readonly successEmitter = new Emitter<RetrySuccessEvent>();
  /** Fires before each backoff sleep. */
  readonly onRetry = this.retryEmitter.event;
  /** Fires when the policy stops retrying and rethrows. */
  readonly onGiveUp = this.giveUpEmitter.event;
  /** Fires when a call succeeds, whatever the attempt. */
  readonly onSuccess = this.successEmitter.event;

  /** @throws {@link ConfigurationError} when an option is out of range. */
  constructor(options: RetryOptions = {}) {
    this.options = resolveRetryOptions(options);
    this.scheduler = DeadlineScheduler.for(this.options.clock);
    this.stack = stackOf({ retry: this });
  }

  /** The clock backoff waits run on. */
  get clock(): Clock {
    return this.options.clock;
  }

  /**
   * The delay in ms before retry `retryNumber` (1 = the first retry), jitter applied.
   * `previousDelay` matters only for decorrelated jitter (pass the delay returned last time).
   */
  delayFor(retryNumber: number, previousDelay?: number): number {
    return backoffDelay(this.options, retryNumber, previousDelay, this.options.random);
  }

  /**
   * Whether to retry after attempt `attempt` (1-based) failed with `error`: checks `maxRetries`, the
   * error's class, then the budget. A `true` answer takes one token from the budget, so ask once per failure.
   *
   * @throws {@link CallbackError} when a `retryOn` predicate throws.
   */
  shouldRetry(error: unknown, attempt: number): boolean {
    if (attempt > this.options.maxRetries) return false;
    if (!this.isRetryable(error, attempt)) return false;
    return this.options.budget === undefined || this.options.budget.tryAcquire();
  }

  /** @internal (RetryStage) A run succeeded after `attempts` attempts: returns budget tokens, fires `onSuccess`. */
  [SUCCEEDED](attempts: number): void {
    this.options.budget?.recordSuccess();
    if (this.successEmitter.hasListeners) this.successEmitter.emit({ attempts });
  }

  /**
   * Runs `fn`, retrying it as configured.
   *
   * @throws the last attempt's error when retries run out or the error is not retryable.
   * @throws {@link CancelledError} when `signal` aborts before the first attempt or during a backoff sleep.
   */
  execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal: AbortSignal = neverAbortedSignal): Promise<T> {
    return new FunctionRun(this.stack, fn, signal, 1).run();
  }

  /** @internal (RetryStage) A retry of `attempt` will follow after `delay` ms: fires `onRetry`. */
  [RETRYING](attempt: number, delay: number, error: unknown): void {
    if (this.retryEmitter.hasListeners) this.retryEmitter.emit({ attempt, delay, error });
  }

  /** @internal (RetryStage) The run stops retrying and fails: fires `onGiveUp`. */
  [GAVE_UP](attempts: number, error: unknown): void {
    if (this.giveUpEmitter.hasListeners) this.giveUpEmitter.emit({ attempts, error });
  }

  private isRetryable(error: unknown, attempt: number): boolean {
    const { retryOn } = this.options;
    if (typeof retryOn === 'function') {
      try {
        return Boolean(retryOn(error, attempt));
      } catch (thrown) {
        throw new CallbackError('retryOn', thrown, error);
      }
    }
    if (isNeverRetried(error)) return false;
    return retryOn === undefined || retryOn.some((cls) => error instanceof cls);
  }

}
