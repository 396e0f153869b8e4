import { CircuitOpenError } from '../errors/CircuitOpenError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import type { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import { classifyFailure } from '../core/classifyFailure.js';
import type { DeadlineEntry } from '../util/DeadlineScheduler.js';
import { type Delivery, SETTLED } from './Delivery.js';
import type { HandlerPolicySet, HandlerPolicySpec } from './HandlerPolicySpec.js';
import { handlerPolicySet } from './handlerPolicySet.js';

type Method = (message: unknown, ctx: Delivery) => unknown;
type Settle = (value: unknown) => void;

/**
 * @internal Runs a handler under its policies, in the canonical nesting whatever the decorator
 * order: fallback → retry → circuit breaker → timeout (per attempt) → handler.
 *
 * The first attempt runs on a synchronous fast path: breaker admission, the attempt's deadline (an
 * entry in the runtime's deadline scheduler, no timer of its own), the handler call, and one `.then`
 * that records the outcome. A handler that returns synchronously settles synchronously. Only a
 * failure enters the async retry loop.
 */
export function runHandlerPipeline(spec: HandlerPolicySpec, agent: object, message: unknown, d: Delivery): unknown {
  const set = handlerPolicySet(spec, d);
  const method = (agent as Record<string | symbol, Method>)[spec.method]!;
  return new PipelineRun(spec, set, agent, method, message, d).first();
}

let capturedResolve: Settle | undefined;
let capturedReject: Settle | undefined;

/** A promise executor that allocates no closure: hands the settle functions over through module state. */
function capture(resolve: Settle, reject: Settle): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  if (value instanceof Promise) return true;
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * One run of a handler under its policies. It is also the deadline entry of its current attempt (one
 * object per run, reused by every attempt).
 */
class PipelineRun implements DeadlineEntry {
  heapIndex = -1;
  /** The attempt running now (1-based). */
  private attempt = 1;
  /** The last attempt whose outcome is known (in time, or by its deadline); later results are late. */
  private settled = 0;
  /** The breaker's generation token for the current attempt (-1: no breaker). */
  private token = -1;
  private started = 0;
  private limit = 0;
  /** In the retry loop, an attempt's promise settles with its raw outcome; on the fast path, with the run's. */
  private raw = false;
  private resolve: Settle | undefined = undefined;
  private reject: Settle | undefined = undefined;

  constructor(
    private readonly spec: HandlerPolicySpec,
    private readonly set: HandlerPolicySet,
    private readonly agent: object,
    private readonly method: Method,
    private readonly message: unknown,
    private readonly d: Delivery,
  ) {}

  /** The first attempt: admission, deadline and handler call, synchronously; one `.then` for the outcome. */
  first(): unknown {
    const set = this.set;
    if (set.breaker !== undefined) {
      const token = set.breaker.tryAdmit();
      if (token < 0) return this.giveUp(this.rejection());
      this.token = token;
    }
    const timeout = set.timeout;
    if (timeout !== undefined) this.arm(timeout);
    let value: unknown;
    try {
      value = this.method.call(this.agent, this.message, this.d);
    } catch (error) {
      if (timeout !== undefined) this.endInTime(false);
      return this.failed(error);
    }
    if (!isPromiseLike(value)) {
      if (timeout !== undefined) this.endInTime(true);
      return this.succeeded(value);
    }
    if (!(value instanceof Promise)) value = Promise.resolve(value); // a foreign thenable: adopt it safely
    if (timeout === undefined) {
      return (value as Promise<unknown>).then(
        (v) => this.succeeded(v),
        (e: unknown) => this.failed(e),
      );
    }
    return this.race(value as Promise<unknown>, 1);
  }

  /** The current attempt succeeded: records it with the breaker and the retry budget. */
  private succeeded(value: unknown): unknown {
    if (this.token >= 0) this.set.breaker!.onSuccess(this.token);
    this.set.retry?.recordSuccess(this.attempt);
    return value;
  }

  /** The current attempt failed: records it, then retries (a promise), falls back, or throws. */
  private failed(error: unknown): unknown {
    this.recordFailure(error);
    if (this.shouldRetry(error)) return this.retryFrom(error);
    return this.giveUp(error);
  }

  private recordFailure(error: unknown): void {
    const token = this.token;
    if (token < 0) return;
    // Cancellations and runtime stops say nothing about the handler's health: they give the permit back.
    const reason = classifyFailure(error);
    if (reason === 'cancelled' || reason === 'stopped') this.set.breaker!.release(token);
    else this.set.breaker!.onFailure(token, error);
  }

  private shouldRetry(error: unknown): boolean {
    const retry = this.set.retry;
    return retry !== undefined && this.d.state !== SETTLED && retry.shouldRetry(error, this.attempt);
  }

  /** Retries exhausted or not allowed: the fallback if there is one and it applies, else the error. */
  private giveUp(error: unknown): unknown {
    const fallback = this.spec.fallback;
    if (fallback === undefined) throw error;
    const reason = classifyFailure(error);
    if (this.d.state === SETTLED || reason === 'cancelled' || reason === 'stopped') throw error;
    return fallback(error, this.message as never, this.d);
  }

  private async retryFrom(error: unknown): Promise<unknown> {
    this.raw = true;
    try {
      return await this.retryLoop(error);
    } catch (final) {
      return this.giveUp(final);
    }
  }

  /** Attempts 2, 3, …: backoff, admission, the attempt; throws the error that ends the retries. */
  private async retryLoop(error: unknown): Promise<unknown> {
    const d = this.d;
    const retry = this.set.retry!;
    let previousDelay: number | undefined;
    for (;;) {
      previousDelay = retry.delayFor(this.attempt, previousDelay);
      reportRetry(d, this.attempt, previousDelay, error);
      await backoff(d, previousDelay);
      const attempt = ++this.attempt;
      d.attempt = attempt;
      d.resetSignal();
      d.host.ackProcessing(d);
      if (this.set.breaker !== undefined) {
        const token = this.set.breaker.tryAdmit();
        if (token < 0) throw this.rejection();
        this.token = token;
      }
      try {
        return this.succeeded(await this.runAttempt());
      } catch (failure) {
        this.recordFailure(failure);
        if (!this.shouldRetry(failure)) throw failure;
        error = failure;
      }
    }
  }

  /** One retry attempt, raced against its deadline when there is a timeout; its raw outcome. */
  private runAttempt(): unknown {
    const timeout = this.set.timeout;
    if (timeout === undefined) return this.method.call(this.agent, this.message, this.d);
    this.arm(timeout);
    let value: unknown;
    try {
      value = this.method.call(this.agent, this.message, this.d);
    } catch (error) {
      this.endInTime(false);
      throw error;
    }
    if (!isPromiseLike(value)) {
      this.endInTime(true);
      return value;
    }
    return this.race(value instanceof Promise ? value : Promise.resolve(value), this.attempt);
  }

  /** A promise for attempt `attempt`'s outcome that also settles when its deadline passes. */
  private race(value: Promise<unknown>, attempt: number): Promise<unknown> {
    const promise = new Promise(capture);
    this.resolve = capturedResolve;
    this.reject = capturedReject;
    value.then(
      (v) => this.attemptSettled(attempt, true, v),
      (e: unknown) => this.attemptSettled(attempt, false, e),
    );
    return promise;
  }

  private attemptSettled(attempt: number, ok: boolean, outcome: unknown): void {
    const d = this.d;
    if (this.settled >= attempt) return d.host.reportLate(d, ok, outcome);
    this.endInTime(ok);
    this.deliver(ok, outcome);
  }

  /** Settles the current attempt's promise: with the raw outcome in the retry loop, else with the run's outcome. */
  private deliver(ok: boolean, outcome: unknown): void {
    if (this.raw) return (ok ? this.resolve! : this.reject!)(outcome);
    try {
      this.resolve!(ok ? this.succeeded(outcome) : this.failed(outcome));
    } catch (error) {
      this.reject!(error);
    }
  }

  private arm(timeout: TimeoutPolicy): void {
    const host = this.d.host;
    const limit = timeout.currentLimit();
    const started = host.clock.now();
    this.limit = limit;
    this.started = started;
    host.deadlines.add(this, started + limit, started);
  }

  /** The attempt finished before its deadline. */
  private endInTime(ok: boolean): void {
    const host = this.d.host;
    this.settled = this.attempt;
    host.deadlines.remove(this);
    const timeout = this.set.timeout!;
    if (ok && timeout.adapts) timeout.recordSuccess(host.clock.now() - this.started);
  }

  /** @internal The current attempt's deadline passed: it fails with a TimeoutError and its signal aborts. */
  onDeadline(): void {
    const d = this.d;
    const limit = this.limit;
    this.settled = this.attempt;
    const error = new TimeoutError(limit, d.host.clock.now() - this.started, { messageId: d.messageId, agentId: d.recipient }, `Handler attempt ${d.attempt} of ${String(d.recipient)}`);
    this.set.timeout!.recordTimeout();
    d.host.reportTimeout(d, limit);
    d.abort(error);
    this.deliver(false, error);
  }

  private rejection(): CircuitOpenError {
    const breaker = this.set.breaker!;
    const d = this.d;
    return new CircuitOpenError(breaker.retryAfter, { messageId: d.messageId, agentId: d.recipient }, `${breaker.rejectionDetail} (${String(d.recipient)})`);
  }
}

/** Sleeps before a retry; ends at once (rejecting) if the request is cancelled, times out or the runtime stops. */
function backoff(d: Delivery, delay: number): Promise<void> {
  d.resetSignal();
  const signal = d.signal;
  const clock = d.host.clock;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, delay);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function reportRetry(d: Delivery, attempt: number, delayMs: number, error: unknown): void {
  const events = d.host.events;
  if (events.listening.retry !== true) return;
  events.emit('retry', { messageId: d.messageId, agentId: d.recipient, sender: d.sender, attempt, delayMs, error, side: 'handler', at: d.host.clock.now() });
}
