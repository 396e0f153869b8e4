import { CircuitOpenError } from '../errors/CircuitOpenError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import type { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import { classifyFailure } from './classifyFailure.js';
import { type Delivery, SETTLED } from './Delivery.js';
import type { HandlerPolicySet, HandlerPolicySpec } from './HandlerPolicySpec.js';
import { handlerPolicySet } from './handlerPolicySet.js';

type Method = (message: unknown, ctx: Delivery) => unknown;

/**
 * @internal Runs a handler under its policies, in the canonical nesting whatever the decorator
 * order: fallback → retry → circuit breaker → timeout (per attempt) → handler.
 */
export async function runHandlerPipeline(spec: HandlerPolicySpec, agent: object, message: unknown, d: Delivery): Promise<unknown> {
  const set = handlerPolicySet(spec, d);
  const method = (agent as Record<string | symbol, Method>)[spec.method]!;
  if (spec.fallback === undefined) return attempts(set, agent, method, message, d);
  try {
    return await attempts(set, agent, method, message, d);
  } catch (error) {
    const reason = classifyFailure(error);
    if (d.state === SETTLED || reason === 'cancelled' || reason === 'stopped') throw error;
    return spec.fallback(error, message as never, d);
  }
}

async function attempts(set: HandlerPolicySet, agent: object, method: Method, message: unknown, d: Delivery): Promise<unknown> {
  let previousDelay: number | undefined;
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) startAttempt(d, attempt);
    const token = set.breaker === undefined ? undefined : admit(set, d);
    try {
      const value = await runAttempt(set.timeout, agent, method, message, d);
      if (token !== undefined) set.breaker!.onSuccess(token);
      set.retry?.recordSuccess(attempt);
      return value;
    } catch (error) {
      if (token !== undefined) recordFailure(set, token, error);
      const retry = set.retry;
      if (retry === undefined || d.state === SETTLED || !retry.shouldRetry(error, attempt)) throw error;
      previousDelay = retry.delayFor(attempt, previousDelay);
      reportRetry(d, attempt, previousDelay, error);
      await backoff(d, previousDelay);
    }
  }
}

function admit(set: HandlerPolicySet, d: Delivery): number {
  const breaker = set.breaker!;
  const token = breaker.tryAdmit();
  if (token >= 0) return token;
  throw new CircuitOpenError(breaker.retryAfter, { messageId: d.messageId, agentId: d.recipient }, `${breaker.rejectionDetail} (${String(d.recipient)})`);
}

function startAttempt(d: Delivery, attempt: number): void {
  d.attempt = attempt;
  d.resetSignal();
  d.host.ackProcessing(d);
}

/** One attempt, limited by the timeout policy when there is one (one timer; no signal unless read). */
function runAttempt(timeout: TimeoutPolicy | undefined, agent: object, method: Method, message: unknown, d: Delivery): unknown {
  if (timeout === undefined) return method.call(agent, message, d);
  const clock = d.host.clock;
  const limit = timeout.currentLimit();
  const started = clock.now();
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = clock.setTimeout(() => {
      done = true;
      const error = new TimeoutError(limit, clock.now() - started, { messageId: d.messageId, agentId: d.recipient }, `Handler attempt ${d.attempt} of ${String(d.recipient)}`);
      timeout.recordTimeout();
      d.host.reportTimeout(d, limit);
      d.abort(error);
      reject(error);
    }, limit);
    const settle = (ok: boolean, outcome: unknown): void => {
      if (done) return d.host.reportLate(d, ok, outcome);
      done = true;
      clock.clearTimeout(timer);
      if (ok) timeout.recordSuccess(clock.now() - started);
      (ok ? resolve : reject)(outcome);
    };
    try {
      Promise.resolve(method.call(agent, message, d)).then((v) => settle(true, v), (e: unknown) => settle(false, e));
    } catch (error) {
      settle(false, error);
    }
  });
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
  if (events.listenerCount('retry') === 0) return;
  events.emit('retry', { messageId: d.messageId, agentId: d.recipient, sender: d.sender, attempt, delayMs, error, side: 'handler', at: d.host.clock.now() });
}

/** Cancellations and runtime stops say nothing about the handler's health: they give the permit back. */
function recordFailure(set: HandlerPolicySet, token: number, error: unknown): void {
  const reason = classifyFailure(error);
  if (reason === 'cancelled' || reason === 'stopped') set.breaker!.release(token);
  else set.breaker!.onFailure(token, error);
}
