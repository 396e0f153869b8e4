import { describe, expect, it } from 'vitest';
import {
  BulkheadPolicy,
  CircuitBreakerPolicy,
  type Disposable,
  type FailureEvent,
  FallbackPolicy,
  RetryPolicy,
  type SuccessEvent,
  TimeoutPolicy,
} from '../../src/index.js';

/** Every string-named member of an object and its prototype chain (below Object.prototype). */
function memberNames(object: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = object; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) names.add(name);
  }
  return [...names];
}

/**
 * The policies' public surface has cockatiel's shape: `execute`, state, and `onX` events. The hooks
 * the pipeline drives them through are not on it (see `_compileOnly` below: its `@ts-expect-error`
 * lines fail to compile if one comes back on the public type).
 */
describe('the public surface of the policy classes', () => {
  const breaker = new CircuitBreakerPolicy({ failureThreshold: 1, recoveryTimeout: 10 });
  const bulkhead = new BulkheadPolicy({ maxConcurrent: 1 });
  const retry = new RetryPolicy();
  const timeout = new TimeoutPolicy(10);
  const fallback = new FallbackPolicy({ fallback: 0 });

  it("gives the breaker cockatiel's onSuccess / onFailure events, not token hooks", () => {
    const onSuccess: (listener: (e: SuccessEvent) => void) => Disposable = breaker.onSuccess;
    const onFailure: (listener: (e: FailureEvent) => void) => Disposable = breaker.onFailure;
    expect([typeof onSuccess, typeof onFailure]).toEqual(['function', 'function']);
  });

  it('keeps the pipeline hooks of every policy off its public type and out of its string-named members', () => {
    const hooks = ['admit', 'tryAdmit', 'release', 'rejection', 'rejectionDetail', 'tryEnter', 'enqueue', 'leave', 'recordSuccess', 'retrying', 'gaveUp', 'timedOut', 'handles', 'recover'];
    for (const policy of [breaker, bulkhead, retry, timeout, fallback]) {
      const names = memberNames(policy).filter((name) => hooks.includes(name));
      // TimeoutPolicy keeps recordSuccess / recordTimeout: public ways to feed its adaptive limit by hand
      expect(names.filter((name) => !(policy instanceof TimeoutPolicy && name === 'recordSuccess'))).toEqual([]);
    }
  });

  it('keeps the cockatiel-shaped members', () => {
    for (const name of ['execute', 'state', 'isolate', 'reset', 'toJSON', 'onBreak', 'onReset', 'onHalfOpen', 'onStateChange', 'onSuccess', 'onFailure']) expect(name in breaker).toBe(true);
    for (const name of ['execute', 'onRetry', 'onGiveUp', 'onSuccess']) expect(name in retry).toBe(true);
    for (const name of ['execute', 'onTimeout']) expect(name in timeout).toBe(true);
    for (const name of ['execute', 'onReject', 'active', 'queued']) expect(name in bulkhead).toBe(true);
  });
});

/** Compiled, never run: each marked line must be a type error, or `tsc` fails. */
function _compileOnly(breaker: CircuitBreakerPolicy, bulkhead: BulkheadPolicy, retry: RetryPolicy, timeout: TimeoutPolicy, fallback: FallbackPolicy<number>): void {
  // @ts-expect-error onSuccess is an event, not a report taking a token
  breaker.onSuccess(0);
  // @ts-expect-error onFailure is an event, not a report taking a token and an error
  breaker.onFailure(0, new Error('x'));
  // @ts-expect-error no admission on the public type
  breaker.admit();
  // @ts-expect-error no admission on the public type
  breaker.tryAdmit();
  // @ts-expect-error no release on the public type
  breaker.release(0);
  // @ts-expect-error no rejection factory on the public type
  breaker.rejection({}, undefined);
  // @ts-expect-error internal
  bulkhead.tryEnter();
  // @ts-expect-error internal
  bulkhead.release();
  // @ts-expect-error internal
  retry.recordSuccess(1);
  // @ts-expect-error internal
  retry.gaveUp(1, undefined);
  // @ts-expect-error internal
  timeout.timedOut(undefined);
  // @ts-expect-error internal
  fallback.handles(undefined);
}
