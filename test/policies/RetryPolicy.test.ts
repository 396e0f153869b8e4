import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors/CancelledError.js';
import { CantHandleError } from '../../src/errors/CantHandleError.js';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { MessageValidationError } from '../../src/errors/MessageValidationError.js';
import { TimeoutError } from '../../src/errors/TimeoutError.js';
import { RetryBudget } from '../../src/policies/RetryBudget.js';
import { RetryPolicy } from '../../src/policies/RetryPolicy.js';
import type { RetryOptions } from '../../src/policies/RetryOptions.js';
import { SimulatedClock } from '../../src/util/SimulatedClock.js';
import { abortListeners, flaky, observe } from './observe.js';

class TransientError extends Error {}
class FatalError extends Error {}

function setup(options: RetryOptions = {}) {
  const clock = new SimulatedClock();
  const policy = new RetryPolicy({ jitter: 'none', clock, ...options });
  const delays: number[] = [];
  policy.onRetry(({ delay }) => delays.push(delay));
  return { clock, policy, delays };
}

describe('RetryPolicy', () => {
  describe('attempt counting', () => {
    it('makes maxRetries + 1 calls, then rethrows the last error object unchanged', async () => {
      const { clock, policy } = setup({ maxRetries: 3 });
      const { fn, calls, errors } = flaky(Infinity, 'never');
      const result = observe(policy.execute(fn));
      await clock.runAll();
      expect(calls).toHaveLength(4);
      expect(result.error).toBe(errors[3]);
    });

    it('defaults to 3 retries (4 calls)', async () => {
      const clock = new SimulatedClock();
      const { fn, calls } = flaky(Infinity, 'never');
      const result = observe(new RetryPolicy({ clock }).execute(fn));
      await clock.runAll();
      expect(result.rejected).toBe(true);
      expect(calls).toHaveLength(4);
    });

    it('makes exactly one call when maxRetries is 0', async () => {
      const { policy } = setup({ maxRetries: 0 });
      const { fn, calls, errors } = flaky(Infinity, 'never');
      await expect(policy.execute(fn)).rejects.toBe(errors[0]);
      expect(calls).toHaveLength(1);
    });

    it('resolves when the last allowed attempt succeeds', async () => {
      const { clock, policy } = setup({ maxRetries: 3 });
      const successes: number[] = [];
      policy.onSuccess(({ attempts }) => successes.push(attempts));
      const { fn, calls } = flaky(3, 'ok');
      const result = observe(policy.execute(fn));
      await clock.runAll();
      expect(result.value).toBe('ok');
      expect(calls).toHaveLength(4);
      expect(successes).toEqual([4]);
    });

    it('passes 1-based attempt numbers and the caller signal to fn', async () => {
      const { clock, policy } = setup({ maxRetries: 2 });
      const controller = new AbortController();
      const { fn, calls } = flaky(Infinity, 'never');
      observe(policy.execute(fn, controller.signal));
      await clock.runAll();
      expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
      expect(calls.every((c) => c.signal === controller.signal)).toBe(true);
    });

    it('retries synchronous throws like rejections', async () => {
      const { clock, policy } = setup({ maxRetries: 1 });
      let n = 0;
      const result = observe(
        policy.execute(() => {
          if (++n === 1) throw new Error('sync');
          return 'ok';
        }),
      );
      await clock.runAll();
      expect(result.value).toBe('ok');
    });
  });

  describe('delays', () => {
    it('waits baseDelay · factor^(n−1) before retry n without jitter', async () => {
      const { clock, policy, delays } = setup({ maxRetries: 3, baseDelay: 100, factor: 2 });
      const callTimes: number[] = [];
      observe(policy.execute(() => Promise.reject(new Error(String(callTimes.push(clock.now()))))));
      await clock.runAll();
      expect(delays).toEqual([100, 200, 400]);
      expect(callTimes).toEqual([0, 100, 300, 700]);
    });

    it('caps every delay at maxDelay', async () => {
      const { clock, policy, delays } = setup({ maxRetries: 5, baseDelay: 100, maxDelay: 250 });
      observe(policy.execute(() => Promise.reject(new Error('x'))));
      await clock.runAll();
      expect(delays).toEqual([100, 200, 250, 250, 250]);
    });

    it('stays finite and capped for huge retry numbers and a zero base delay', () => {
      expect(new RetryPolicy({ jitter: 'none' }).delayFor(100_000)).toBe(30_000);
      expect(new RetryPolicy({ jitter: 'none', baseDelay: 0 }).delayFor(100_000)).toBe(0);
      expect(new RetryPolicy({ jitter: 'decorrelated', baseDelay: 45_000, maxDelay: 900_000 }).delayFor(3_000, 900_000)).toBeLessThanOrEqual(900_000);
    });

    it('draws full jitter from [0, d] and equal jitter from [d/2, d]', () => {
      const at = (jitter: 'full' | 'equal', r: number) => new RetryPolicy({ jitter, baseDelay: 100, random: () => r }).delayFor(3);
      expect([at('full', 0), at('full', 0.5), at('full', 0.999)]).toEqual([0, 200, 399.6]);
      expect([at('equal', 0), at('equal', 0.5)]).toEqual([200, 300]);
    });

    it('feeds the previous delay into decorrelated jitter during execute', async () => {
      const { clock, policy, delays } = setup({ maxRetries: 3, baseDelay: 100, jitter: 'decorrelated', random: () => 0.5 });
      observe(policy.execute(() => Promise.reject(new Error('x'))));
      await clock.runAll();
      expect(delays).toEqual([200, 350, 575]);
    });

    const shape = fc.record({
      baseDelay: fc.integer({ min: 0, max: 10_000 }),
      maxDelay: fc.integer({ min: 0, max: 100_000 }),
      factor: fc.double({ min: 1, max: 4, noNaN: true }),
      n: fc.integer({ min: 1, max: 2_000 }),
      r: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    });
    const cap = (s: { baseDelay: number; maxDelay: number; factor: number; n: number }) =>
      s.baseDelay === 0 ? 0 : Math.min(s.maxDelay, s.baseDelay * s.factor ** (s.n - 1));

    it('keeps full jitter within [0, min(maxDelay, base · factor^(n−1))]', () => {
      fc.assert(
        fc.property(shape, (s) => {
          const d = new RetryPolicy({ ...s, jitter: 'full', random: () => s.r }).delayFor(s.n);
          return d >= 0 && d <= cap(s);
        }),
      );
    });

    it('keeps equal jitter within [d/2, d]', () => {
      fc.assert(
        fc.property(shape, (s) => {
          const d = new RetryPolicy({ ...s, jitter: 'equal', random: () => s.r }).delayFor(s.n);
          return d >= cap(s) / 2 && d <= cap(s);
        }),
      );
    });

    it('keeps decorrelated jitter within [base, 3 · previous] and under maxDelay', () => {
      fc.assert(
        fc.property(shape, fc.integer({ min: 0, max: 1_000_000 }), (s, extra) => {
          const previous = s.baseDelay + extra;
          const d = new RetryPolicy({ ...s, jitter: 'decorrelated', random: () => s.r }).delayFor(s.n, previous);
          const expectedMax = Math.min(s.maxDelay, previous * 3);
          return Number.isFinite(d) && d <= s.maxDelay && d >= Math.min(s.baseDelay, s.maxDelay) && d <= Math.max(expectedMax, Math.min(s.baseDelay, s.maxDelay));
        }),
      );
    });
  });

  describe('which errors are retried', () => {
    it.each([
      ['CantHandleError', () => new CantHandleError('no handler')],
      ['MessageValidationError', () => new MessageValidationError('The message', [])],
      ['CircuitOpenError', () => new CircuitOpenError(1_000)],
      ['CancelledError', () => new CancelledError()],
    ])('never retries %s by default', async (_name, make) => {
      const { policy } = setup();
      const { fn, calls, errors } = flaky(Infinity, 'never', make);
      await expect(policy.execute(fn)).rejects.toBe(errors[0]);
      expect(calls).toHaveLength(1);
    });

    it('retries TimeoutError and ordinary errors by default', async () => {
      const { clock, policy } = setup({ maxRetries: 2 });
      const { fn, calls } = flaky(2, 'ok', (n) => (n === 1 ? new TimeoutError(100, 100) : new Error('plain')));
      const result = observe(policy.execute(fn));
      await clock.runAll();
      expect(result.value).toBe('ok');
      expect(calls).toHaveLength(3);
    });

    it('retries only the listed classes', async () => {
      const { clock, policy } = setup({ retryOn: [TransientError] });
      const { fn, calls, errors } = flaky(2, 'ok', (n) => (n === 1 ? new TransientError() : new FatalError()));
      const result = observe(policy.execute(fn));
      await clock.runAll();
      expect(result.error).toBe(errors[1]);
      expect(calls).toHaveLength(2);
    });

    it('does not let a class list re-enable the never-retried errors', async () => {
      const { policy } = setup({ retryOn: [CircuitOpenError, Error] });
      const { fn, calls } = flaky(Infinity, 'never', () => new CircuitOpenError(5));
      await expect(policy.execute(fn)).rejects.toBeInstanceOf(CircuitOpenError);
      expect(calls).toHaveLength(1);
    });

    it('lets an explicit predicate opt into a never-retried error and see attempt numbers', async () => {
      const seen: number[] = [];
      const { clock, policy } = setup({ retryOn: (e, attempt) => (seen.push(attempt), e instanceof CircuitOpenError) });
      const { fn } = flaky(2, 'ok', () => new CircuitOpenError(5));
      const result = observe(policy.execute(fn));
      await clock.runAll();
      expect(result.value).toBe('ok');
      expect(seen).toEqual([1, 2]);
    });
  });

  describe('events', () => {
    it('reports each retry before sleeping and gives up once with the last error', async () => {
      const { clock, policy } = setup({ maxRetries: 3, baseDelay: 10 });
      const retries: { attempt: number; delay: number; error: unknown }[] = [];
      const giveUps: { attempts: number; error: unknown }[] = [];
      policy.onRetry((e) => retries.push(e));
      policy.onGiveUp((e) => giveUps.push(e));
      const { fn, errors } = flaky(Infinity, 'never');
      observe(policy.execute(fn));
      await clock.runAll();
      expect(retries.map((r) => [r.attempt, r.delay, r.error])).toEqual([
        [1, 10, errors[0]],
        [2, 20, errors[1]],
        [3, 40, errors[2]],
      ]);
      expect(giveUps).toEqual([{ attempts: 4, error: errors[3] }]);
    });

    it('stops notifying a disposed listener', async () => {
      const { clock, policy } = setup({ maxRetries: 2 });
      let count = 0;
      policy.onRetry(() => count++).dispose();
      observe(policy.execute(() => Promise.reject(new Error('x'))));
      await clock.runAll();
      expect(count).toBe(0);
    });
  });

  describe('cancellation', () => {
    it('rejects with CancelledError at once when aborted during a backoff sleep, and clears the timer', async () => {
      const { clock, policy } = setup({ maxRetries: 3, baseDelay: 1_000 });
      const controller = new AbortController();
      const { fn, calls } = flaky(Infinity, 'never');
      const result = observe(policy.execute(fn, controller.signal));
      await clock.advance(10);
      expect(clock.pendingTimers).toBe(1);
      controller.abort();
      await clock.advance(0);
      expect(result.error).toBeInstanceOf(CancelledError);
      expect(clock.now()).toBe(10);
      expect(clock.pendingTimers).toBe(0);
      expect(abortListeners(controller.signal)).toBe(0);
      await clock.runAll();
      expect(calls).toHaveLength(1);
    });

    it('removes its abort listener after each completed sleep', async () => {
      const { clock, policy } = setup({ maxRetries: 3 });
      const controller = new AbortController();
      const result = observe(policy.execute(flaky(3, 'ok').fn, controller.signal));
      await clock.runAll();
      expect(result.value).toBe('ok');
      expect(abortListeners(controller.signal)).toBe(0);
    });

    it('does not call fn when the signal is already aborted', async () => {
      const { policy } = setup();
      const { fn, calls } = flaky(0, 'ok');
      await expect(policy.execute(fn, AbortSignal.abort())).rejects.toBeInstanceOf(CancelledError);
      expect(calls).toHaveLength(0);
    });

    it('rethrows the attempt error without retrying when the caller aborts during an attempt', async () => {
      const { policy } = setup();
      const controller = new AbortController();
      const error = new Error('interrupted');
      const fn = () => {
        controller.abort();
        return Promise.reject(error);
      };
      await expect(policy.execute(fn, controller.signal)).rejects.toBe(error);
    });
  });

  describe('budget', () => {
    it('stops retrying when the shared budget is empty', async () => {
      const budget = new RetryBudget({ maxTokens: 2, ratio: 0.5 });
      const { clock, policy } = setup({ maxRetries: 5, budget });
      const { fn, calls } = flaky(Infinity, 'never');
      const result = observe(policy.execute(fn));
      await clock.runAll();
      expect(result.rejected).toBe(true);
      expect(calls).toHaveLength(3);
      expect(policy.shouldRetry(new Error('x'), 1)).toBe(false);
    });

    it('checks maxRetries and error class before taking a budget token', () => {
      const budget = new RetryBudget({ maxTokens: 1, ratio: 1 });
      const policy = new RetryPolicy({ maxRetries: 1, budget });
      expect(policy.shouldRetry(new Error('x'), 2)).toBe(false);
      expect(policy.shouldRetry(new CancelledError(), 1)).toBe(false);
      expect(budget.available).toBe(1);
      expect(policy.shouldRetry(new Error('x'), 1)).toBe(true);
      expect(budget.available).toBe(0);
    });
  });

  describe('configuration', () => {
    it.each<[string, RetryOptions]>([
      ['maxRetries', { maxRetries: -1 }],
      ['maxRetries', { maxRetries: 1.5 }],
      ['maxRetries', { maxRetries: Infinity }],
      ['baseDelay', { baseDelay: -5 }],
      ['maxDelay', { maxDelay: Number.NaN }],
      ['factor', { factor: 0.5 }],
      ['jitter', { jitter: 'random' as 'full' }],
      ['retryOn', { retryOn: ['TypeError'] as never }],
    ])('rejects a bad %s with a ConfigurationError that names it', (name, options) => {
      expect(() => new RetryPolicy(options)).toThrow(ConfigurationError);
      expect(() => new RetryPolicy(options)).toThrow(name);
    });
  });
});
