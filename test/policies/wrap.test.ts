import { describe, expect, expectTypeOf, it } from 'vitest';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { TimeoutError } from '../../src/errors/TimeoutError.js';
import { CircuitBreakerPolicy } from '../../src/policies/CircuitBreakerPolicy.js';
import { FallbackPolicy } from '../../src/policies/FallbackPolicy.js';
import type { Policy, PolicyContext } from '../../src/policies/Policy.js';
import { RetryPolicy } from '../../src/policies/RetryPolicy.js';
import { TimeoutPolicy } from '../../src/policies/TimeoutPolicy.js';
import { wrap } from '../../src/policies/wrap.js';
import { SimulatedClock } from '../../src/util/SimulatedClock.js';
import { abortListeners, observe } from './observe.js';

/** A policy that logs when it enters and leaves. */
function tracer(name: string, log: string[]): Policy {
  return {
    async execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
      log.push(`${name} in`);
      try {
        return await fn({ signal: signal ?? new AbortController().signal, attempt: 1 });
      } finally {
        log.push(`${name} out`);
      }
    },
  };
}

describe('wrap', () => {
  it('runs policies outermost first', async () => {
    const log: string[] = [];
    const result = await wrap(tracer('a', log), tracer('b', log)).execute(() => {
      log.push('fn');
      return 42;
    });
    expect(result).toBe(42);
    expect(log).toEqual(['a in', 'b in', 'fn', 'b out', 'a out']);
  });

  it('applies the timeout per attempt inside retry, passing the attempt number and a fresh signal', async () => {
    const clock = new SimulatedClock();
    const seen: { attempt: number; signal: AbortSignal }[] = [];
    const policy = wrap(new RetryPolicy({ maxRetries: 2, jitter: 'none', baseDelay: 10, clock }), new TimeoutPolicy(100, { clock }));
    const result = observe(
      policy.execute(({ attempt, signal }) => {
        seen.push({ attempt, signal });
        return attempt < 3 ? new Promise<never>(() => undefined) : 'done';
      }),
    );
    await clock.runAll();
    expect(result.value).toBe('done');
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(seen.map((s) => s.signal.aborted)).toEqual([true, true, false]);
    expect(seen[0]!.signal.reason).toBeInstanceOf(TimeoutError);
  });

  it('stops retrying once the breaker inside it opens, rejecting with CircuitOpenError', async () => {
    const clock = new SimulatedClock();
    const breaker = new CircuitBreakerPolicy({ failureThreshold: 2, recoveryTimeout: 60_000, clock });
    let calls = 0;
    const result = observe(
      wrap(new RetryPolicy({ maxRetries: 5, clock }), breaker).execute(() => Promise.reject(new Error(String(++calls)))),
    );
    await clock.runAll();
    expect(result.error).toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(2);
  });

  it('leaves no abort listener on the caller signal after retries with timeouts', async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    const policy = wrap(new RetryPolicy({ maxRetries: 14, jitter: 'none', baseDelay: 1, factor: 1, clock }), new TimeoutPolicy(5, { clock }));
    const result = observe(policy.execute(() => Promise.reject(new Error('x')), controller.signal));
    await clock.runAll();
    expect(result.rejected).toBe(true);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('creates no AbortController when fn ignores ctx.signal', async () => {
    const Real = globalThis.AbortController;
    let created = 0;
    globalThis.AbortController = class extends Real {
      constructor() {
        super();
        created++;
      }
    };
    try {
      const policy = wrap(new RetryPolicy(), new CircuitBreakerPolicy({ recoveryTimeout: 1 }), new TimeoutPolicy(1_000));
      await expect(policy.execute(({ attempt }) => attempt)).resolves.toBe(1);
      expect(created).toBe(0);
    } finally {
      globalThis.AbortController = Real;
    }
  });

  it('types a fallback into the result', async () => {
    const policy = wrap(new FallbackPolicy({ fallback: 'default' as const }), new TimeoutPolicy(1_000));
    const value = await policy.execute(() => 1);
    expectTypeOf(value).toEqualTypeOf<number | 'default'>();
    expect(value).toBe(1);
    const nested = await wrap(new RetryPolicy(), policy).execute(() => 'x' as const);
    expectTypeOf(nested).toEqualTypeOf<'x' | 'default'>();
    const plain = await wrap(new RetryPolicy(), new TimeoutPolicy(5)).execute(() => 2);
    expectTypeOf(plain).toEqualTypeOf<number>();
  });

  it('rejects arguments that are not policies', () => {
    expect(() => wrap({} as Policy)).toThrow(ConfigurationError);
  });
});
