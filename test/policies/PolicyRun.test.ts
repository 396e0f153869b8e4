import { describe, expect, it } from 'vitest';
import { BulkheadPolicy, CancelledError, CircuitBreakerPolicy, FallbackPolicy, RetryPolicy, SimulatedClock, TimeoutPolicy, wrap } from '../../src/index.js';

/** The pipeline's own guarantees, through the standalone policies (the same run serves decorators and send options). */
describe('PolicyRun', () => {
  it('runs thousands of instant retries of a synchronous failure without deepening the stack, then rethrows the last error', async () => {
    const retry = new RetryPolicy({ maxRetries: 20_000, baseDelay: 0, jitter: 'none', clock: new SimulatedClock() });
    let calls = 0;
    const boom = new Error('boom');
    await expect(
      retry.execute(() => {
        calls++;
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(calls).toBe(20_001);
  });

  it('stops at once when a breaker listener cancels the call: no fallback, no retry, no budget spent', async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    const breaker = new CircuitBreakerPolicy({ failureThreshold: 1, recoveryTimeout: 1_000, clock });
    breaker.onStateChange(() => controller.abort());
    const retry = new RetryPolicy({ maxRetries: 3, baseDelay: 10, clock });
    let retries = 0;
    retry.onRetry(() => retries++);
    let fallbacks = 0;
    const fallback = new FallbackPolicy({ fallback: () => ++fallbacks });
    const outcome = wrap(fallback, retry, breaker, new TimeoutPolicy(1_000, { clock })).execute(() => {
      throw new Error('x');
    }, controller.signal);
    await expect(outcome).rejects.toBeInstanceOf(CancelledError);
    expect([retries, fallbacks, clock.pendingTimers]).toEqual([0, 0, 0]);
  });

  it('gives a bulkhead slot back when its waiter is cancelled between the hand-over and its resumption', async () => {
    const bulkhead = new BulkheadPolicy({ maxConcurrent: 1, maxQueued: 2 });
    let finishFirst!: (value: string) => void;
    const thenable = { then: (onValue: (value: string) => void) => void (finishFirst = onValue) };
    const first = bulkhead.execute(() => thenable as unknown as PromiseLike<string>);
    const controller = new AbortController();
    const second = bulkhead.execute(() => 'two', controller.signal);
    const third = bulkhead.execute(() => 'three');
    await Promise.resolve(); // the first call is running
    finishFirst('one'); // its slot goes to `second`, which resumes a microtask later…
    controller.abort(); // …but is cancelled first
    expect(await first).toBe('one');
    await expect(second).rejects.toBeInstanceOf(CancelledError);
    expect(await third).toBe('three');
    expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0]);
  });

  it('can be cancelled while it waits for the promise a fallback returned', async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    const fallback = new FallbackPolicy({ fallback: () => new Promise<string>(() => undefined) });
    const outcome = wrap(fallback, new TimeoutPolicy(10, { clock })).execute(() => Promise.reject(new Error('x')), controller.signal);
    await clock.advance(0);
    controller.abort();
    await expect(outcome).rejects.toBeInstanceOf(CancelledError);
  });
});
