import type { AgentwireErrorContext } from '../errors/AgentwireError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import type { DeadlineEntry, DeadlineScheduler } from '../util/DeadlineScheduler.js';
import { isThenable } from '../util/isThenable.js';
import { onSettled } from '../util/onSettled.js';
import { pendingPromise, takeReject, takeResolve } from '../util/settlers.js';
import { isAbandonment } from './isAbandonment.js';
import type { PolicyContext } from './Policy.js';
import { ADMIT, ENQUEUE, ENTER, FAILED, GAVE_UP, HANDLES, LEAVE, RECOVER, REFUSAL, RELEASE, RETRYING, SUCCEEDED, TIMED_OUT, type BulkheadWaiter, type PolicyStack } from './PolicyStack.js';

const IDLE = 0;
const ATTEMPT = 1;
const BACKOFF = 2;
const QUEUED = 3;
/** Waiting for the promise a fallback returned. */
const FALLBACK = 4;
/** Ended without an outcome to hand over (a handler run its runtime ended). */
const ENDED = 5;
/** Settled with a value. */
const FULFILLED = 6;
/** Settled with an error. */
const REJECTED = 7;

const RESOLVED = Promise.resolve();

/**
 * @internal What {@link PolicyRun.callAttempt} returns when the attempt will report its own outcome
 * through {@link PolicyRun.attemptSettled} (no promise per attempt).
 */
export const PENDING: unique symbol = Symbol('agentwire.pendingAttempt');


/**
 * @internal One call run through a {@link PolicyStack}: THE policy pipeline of agentwire. Standalone
 * `execute`, `wrap`, handler decorators and `sendMessage` options all run through it; they differ
 * only in the innermost step (a function, a handler call, one delivery), which subclasses supply.
 *
 * Per attempt: bulkhead slot → breaker admission → the attempt's deadline → the attempt. A failure
 * is recorded with the breaker, then retried after a backoff, or replaced by the fallback, or
 * final. The fast path allocates nothing beyond the run: the first attempt runs synchronously (a
 * synchronous result settles the run synchronously), deadlines and backoff waits are entries in the
 * clock's one {@link DeadlineScheduler} (the run is the entry), and no timer, signal or listener
 * exists unless a stage needs it.
 *
 * Exactly one outcome: an attempt that ends after its deadline, or after the run was cancelled,
 * is late and only reported ({@link PolicyRun.late}).
 */
export abstract class PolicyRun<T> implements DeadlineEntry, BulkheadWaiter, PromiseLike<T> {
  heapIndex = -1;
  /** The attempt running now (or about to), 1-based. */
  attempt = 1;
  private phase = IDLE;
  /** The breaker's token for the current attempt (-1: none held). */
  private token = -1;
  private holdsSlot = false;
  /** 0: not starting attempts; 1: in {@link next}'s loop; 2: in it, and another attempt is due at once. */
  private stepping = 0;
  private previousDelay: number | undefined = undefined;
  /**
   * Settled: the outcome (the value or the error). Before that: the promise {@link promise} made, if
   * any. (One field for both: a run is pending memory on every request that carries policies.)
   */
  private outcome: unknown = undefined;
  private resolve: ((value: T) => void) | undefined = undefined;
  private reject: ((error: unknown) => void) | undefined = undefined;

  constructor(readonly stack: PolicyStack) {}

  /**
   * The innermost step: starts attempt {@link PolicyRun.attempt}. Returns its outcome, a promise of
   * it, or {@link PENDING} when it will call {@link PolicyRun.attemptSettled} itself.
   */
  protected abstract callAttempt(): T | PromiseLike<T> | typeof PENDING;

  /** The context a fallback function receives. */
  protected abstract fallbackContext(): PolicyContext;

  /** An attempt is starting (after admission): reset per-attempt state, report it. */
  protected attemptStarting(): void {}

  /** The current attempt was abandoned (its deadline passed, or the run was cancelled): abort its work. */
  protected abortAttempt(_reason: unknown): void {}

  /** A retry will start after `delay` ms. */
  protected retrying(_attempt: number, _delay: number, _error: unknown): void {}

  /** The current attempt exceeded its limit. */
  protected timedOut(_error: TimeoutError): void {}

  /** An abandoned attempt finished after all. */
  protected late(_ok: boolean, _outcome: unknown): void {}

  /** The run waits (backoff, bulkhead queue) or stops waiting: listen for cancellation meanwhile if need be. */
  protected waiting(_on: boolean): void {}

  /** True when whoever asked for the run no longer waits for it (nothing is retried or replaced then). */
  protected callerGaveUp(): boolean {
    return false;
  }

  /** Correlation for the errors the run raises (message id, agent). */
  protected errorContext(): AgentwireErrorContext {
    return {};
  }

  /** How a timed-out attempt is named in its error, e.g. "The call". */
  protected abstract describeAttempt(): string;

  /** What to do about a timed-out attempt, fitting where the run's limit was set (one of `timeoutAdvice.ts`'s entries). */
  protected abstract timeoutAdvice(): string;

  /** A breaker or a full bulkhead refused the attempt before it started. */
  protected attemptRefused(_error: unknown): void {}

  /** Whose circuit breaker refused, for its error (undefined: the breaker's own wording). */
  protected breakerOwner(): string | undefined {
    return undefined;
  }

  /** Cancelled by its owner: settle with `error` (override to drop the outcome instead). */
  protected settleCancelled(error: unknown): void {
    this.settle(false, error);
  }

  /** True once the run has ended (with or without an outcome to hand over). */
  get done(): boolean {
    return this.phase >= ENDED;
  }

  /**
   * Starts the run: the outcome itself when the first attempt settled synchronously (a value, or a
   * throw), else the run, pending: `await` it or take its {@link promise}.
   */
  start(): T | this {
    this.next();
    if (this.phase === FULFILLED) return this.outcome as T;
    if (this.phase === REJECTED) throw this.outcome;
    return this;
  }

  /** A promise of the outcome (the same one each time). */
  promise(): Promise<T> {
    if (this.phase === FULFILLED) return Promise.resolve(this.outcome as T);
    if (this.phase === REJECTED) return Promise.reject(this.outcome);
    if (this.outcome instanceof Promise) return this.outcome as Promise<T>;
    const promise = pendingPromise<T>();
    this.resolve = takeResolve();
    this.reject = takeReject();
    this.outcome = promise;
    return promise;
  }

  /** The run is awaitable (`await run`), through {@link promise}. */
  then<R1 = T, R2 = never>(onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null, onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null): Promise<R1 | R2> {
    return this.promise().then(onFulfilled, onRejected);
  }

  /**
   * Ends the run from outside (the caller cancelled, the runtime stopped, the request's deadline
   * passed): the current attempt is abandoned, a wait ends, held slots and breaker permits are given
   * back (an abandoned call is no failure), and the run settles with `error`.
   */
  cancel(error: unknown): void {
    const phase = this.phase;
    if (phase >= ENDED) return;
    this.phase = ENDED;
    if (phase === BACKOFF || phase === QUEUED || phase === FALLBACK) this.waiting(false);
    if (phase === QUEUED && !this.holdsSlot) this.stack.bulkhead![LEAVE](this);
    if (phase === BACKOFF) this.disarm(this.stack.retry!.scheduler);
    else if (phase === ATTEMPT && this.stack.timeout !== undefined) this.disarm(this.stack.timeout.scheduler);
    this.releaseSlot();
    if (phase === ATTEMPT) {
      this.releaseToken();
      this.abortAttempt(error);
    }
    this.settleCancelled(error);
  }

  /** @internal A bulkhead handed this run a freed slot; it resumes on a fresh stack. */
  grant(): void {
    this.holdsSlot = true;
    void RESOLVED.then(() => this.resumeAfterGrant());
  }

  /** @internal The deadline entry fired: the attempt's limit passed, or the backoff is over. */
  onDeadline(since: number, deadline: number): void {
    if (this.phase === BACKOFF) {
      this.waiting(false);
      this.phase = IDLE;
      this.next();
    } else if (this.phase === ATTEMPT) {
      this.attemptTimedOut(deadline - since, since);
    }
  }

  /**
   * Starts the next attempt. A synchronous failure retried without delay asks for another attempt
   * from inside this one: the loop runs it, so thousands of instant retries never deepen the stack.
   */
  private next(): void {
    if (this.stepping !== 0) {
      this.stepping = 2;
      return;
    }
    this.stepping = 1;
    try {
      do {
        this.stepping = 1;
        this.step();
      } while (this.stepping === 2 && this.phase < FALLBACK);
    } finally {
      this.stepping = 0;
    }
  }

  /** One attempt: a bulkhead slot first, then admission and the call. */
  private step(): void {
    const bulkhead = this.stack.bulkhead;
    if (bulkhead !== undefined && !bulkhead[ENTER]()) {
      if (!bulkhead[ENQUEUE](this)) return this.refused(bulkhead[REFUSAL](this.errorContext()));
      this.phase = QUEUED;
      this.waiting(true);
      return;
    }
    this.holdsSlot = bulkhead !== undefined;
    this.admitAndCall();
  }

  private resumeAfterGrant(): void {
    if (this.phase !== QUEUED) return this.releaseSlot(); // cancelled meanwhile
    this.waiting(false);
    this.phase = IDLE;
    this.admitAndCall();
  }

  private admitAndCall(): void {
    const breaker = this.stack.breaker;
    if (breaker !== undefined) {
      const token = breaker[ADMIT](this);
      if (token < 0) {
        this.releaseSlot();
        return this.refused(breaker[REFUSAL](this.errorContext(), this.breakerOwner()));
      }
      this.token = token;
    }
    const timeout = this.stack.timeout;
    this.phase = ATTEMPT;
    if (timeout !== undefined) {
      const now = timeout.clock.now();
      timeout.scheduler.add(this, now + timeout.currentLimit(), now); // the scheduler keeps the start and the deadline
    }
    this.attemptStarting();
    const attempt = this.attempt;
    let value: T | PromiseLike<T> | typeof PENDING;
    try {
      value = this.callAttempt();
    } catch (error) {
      return this.attemptSettled(attempt, false, error);
    }
    if (value === PENDING) return;
    if (!isThenable(value)) return this.attemptSettled(attempt, true, value);
    onSettled(
      value,
      (v) => this.attemptSettled(attempt, true, v),
      (e: unknown) => this.attemptSettled(attempt, false, e),
    );
  }

  /** The deadline of the current attempt, when a timeout stage limits it. */
  protected get attemptDeadline(): number | undefined {
    const timeout = this.stack.timeout;
    return timeout === undefined || this.heapIndex < 0 ? undefined : timeout.scheduler.deadlineOf(this);
  }

  /**
   * Attempt `attempt` ended with `outcome`: late (only reported) unless it is the current attempt and
   * still running — an attempt abandoned at its deadline or by a cancel is over for the run.
   */
  protected attemptSettled(attempt: number, ok: boolean, outcome: unknown): void {
    if (attempt !== this.attempt || this.phase !== ATTEMPT) return this.late(ok, outcome);
    this.phase = IDLE;
    const { timeout, breaker, retry } = this.stack;
    const started = timeout !== undefined && timeout.adapts && ok ? timeout.scheduler.sinceOf(this) : 0;
    if (timeout !== undefined) this.disarm(timeout.scheduler);
    this.releaseSlot();
    if (!ok) return this.failed(outcome);
    if (timeout !== undefined && timeout.adapts) timeout.recordSuccess(timeout.clock.now() - started);
    if (breaker !== undefined) breaker[SUCCEEDED](this.takeToken(), this);
    retry?.[SUCCEEDED](attempt);
    this.finish(true, outcome);
  }

  private attemptTimedOut(limit: number, since: number): void {
    const timeout = this.stack.timeout!;
    this.phase = IDLE;
    this.releaseSlot();
    const error = new TimeoutError(limit, timeout.clock.now() - since, this.errorContext(), this.describeAttempt(), this.timeoutAdvice());
    timeout[TIMED_OUT](error);
    this.timedOut(error);
    this.abortAttempt(error);
    if (this.phase >= ENDED) return this.releaseToken(); // a listener cancelled the run
    this.failed(error);
  }

  private refused(error: unknown): void {
    this.attemptRefused(error);
    this.failed(error);
  }

  /**
   * The attempt failed: tell the breaker, then retry, fall back or fail. A callback of the user's
   * that throws while judging the failure (`isFailure`, `retryOn`) replaces it with its `CallbackError`.
   */
  private failed(failure: unknown): void {
    let error = failure;
    const abandoned = isAbandonment(error) || this.callerGaveUp();
    if (this.token >= 0) {
      if (abandoned) this.releaseToken();
      else error = this.tellBreaker(error);
      if (this.phase >= ENDED) return; // a state-change listener cancelled the run
    }
    const retry = this.stack.retry;
    if (retry !== undefined && !abandoned) {
      let again: boolean;
      try {
        again = retry.shouldRetry(error, this.attempt);
      } catch (judged) {
        return this.giveUp(judged, abandoned);
      }
      if (again) return this.backoff(error);
    }
    if (this.phase >= ENDED) return; // a retryOn predicate cancelled the run
    this.giveUp(error, abandoned);
  }

  /** Reports a failure to the breaker; returns the error the run goes on with (the breaker's `CallbackError` if its `isFailure` threw). */
  private tellBreaker(error: unknown): unknown {
    try {
      this.stack.breaker![FAILED](this.takeToken(), error, this);
      return error;
    } catch (judged) {
      return judged;
    }
  }

  private backoff(error: unknown): void {
    const retry = this.stack.retry!;
    let delay: number;
    try {
      delay = this.previousDelay = retry.delayFor(this.attempt, this.previousDelay);
    } catch (misconfigured) {
      return this.giveUp(misconfigured, false); // a `random` that throws or answers out of range
    }
    retry[RETRYING](this.attempt, delay, error);
    this.retrying(this.attempt, delay, error);
    this.attempt++;
    if (this.phase >= ENDED) return; // a listener cancelled the run
    if (delay <= 0) return this.next();
    this.phase = BACKOFF;
    const now = retry.clock.now();
    retry.scheduler.add(this, now + delay, now);
    this.waiting(true);
  }

  private giveUp(error: unknown, abandoned: boolean): void {
    this.stack.retry?.[GAVE_UP](this.attempt, error);
    if (this.phase >= ENDED) return; // a listener cancelled the run
    const fallback = this.stack.fallback;
    if (fallback === undefined || abandoned) return this.finish(false, error);
    let handles: boolean;
    try {
      handles = fallback[HANDLES](error);
    } catch (judged) {
      return this.finish(false, judged);
    }
    if (!handles) return this.finish(false, error);
    let value: unknown;
    try {
      value = fallback[RECOVER](error, this.fallbackContext());
    } catch (failure) {
      return this.finish(false, failure);
    }
    if (this.phase >= ENDED) return; // the fallback function cancelled the run
    if (!isThenable(value)) return this.finish(true, value);
    this.phase = FALLBACK; // the run waits for the fallback: cancellable, and `stopWhenIdle` waits for it
    this.waiting(true);
    onSettled(
      value,
      (v) => this.fallenBack(true, v),
      (e: unknown) => this.fallenBack(false, e),
    );
  }

  private fallenBack(ok: boolean, outcome: unknown): void {
    if (this.phase !== FALLBACK) return; // cancelled while the fallback was being computed
    this.waiting(false);
    this.finish(ok, outcome);
  }

  private finish(ok: boolean, outcome: unknown): void {
    if (this.phase >= ENDED) return;
    this.settle(ok, outcome);
  }

  /** Hands the outcome over: into `start()`'s return when synchronous, else to the promise. */
  protected settle(ok: boolean, outcome: unknown): void {
    this.phase = ok ? FULFILLED : REJECTED;
    this.outcome = outcome;
    if (this.resolve === undefined) return;
    if (ok) this.resolve(outcome as T);
    else this.reject!(outcome);
  }

  /** Takes the run's entry out of `scheduler` (where the current phase armed it), if it is in. */
  private disarm(scheduler: DeadlineScheduler): void {
    if (this.heapIndex >= 0) scheduler.remove(this);
  }

  private releaseSlot(): void {
    if (!this.holdsSlot) return;
    this.holdsSlot = false;
    this.stack.bulkhead![RELEASE]();
  }

  private takeToken(): number {
    const token = this.token;
    this.token = -1;
    return token;
  }

  private releaseToken(): void {
    if (this.token >= 0) this.stack.breaker![RELEASE](this.takeToken(), this);
  }
}
