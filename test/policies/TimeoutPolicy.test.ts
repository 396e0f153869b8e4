import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors/CancelledError.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import { TimeoutError } from '../../src/errors/TimeoutError.js';
import type { PolicyContext } from '../../src/policies/Policy.js';
import { TimeoutPolicy } from '../../src/policies/TimeoutPolicy.js';
import { SimulatedClock } from '../../src/util/SimulatedClock.js';
import { abortListeners, observe } from './observe.js';

/** fn that resolves with `value` after `ms` of simulated time and records its context. */
function after<T>(clock: SimulatedClock, ms: number, value: T) {
  const seen: PolicyContext[] = [];
  const fn = (ctx: PolicyContext) => {
    seen.push(ctx);
    return new Promise<T>((resolve) => clock.setTimeout(() => resolve(value), ms));
  };
  return { fn, seen };
}

function setup(spec: ConstructorParameters<typeof TimeoutPolicy>[0] = 1_000) {
  const clock = new SimulatedClock();
  return { clock, policy: new TimeoutPolicy(spec, { clock }) };
}

const RealAbortController = globalThis.AbortController;
afterEach(() => {
  globalThis.AbortController = RealAbortController;
});

describe('TimeoutPolicy', () => {
  it('rejects with a TimeoutError carrying the limit and the elapsed time', async () => {
    const { clock, policy } = setup(1_000);
    const result = observe(policy.execute(after(clock, 5_000, 'late').fn));
    await clock.advance(999);
    expect(result.settled).toBe(false);
    await clock.advance(1);
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect(result.error).toMatchObject({ code: 'TIMEOUT', timeoutMs: 1_000, elapsedMs: 1_000 });
  });

  it('aborts the signal it gave fn, with the TimeoutError as reason', async () => {
    const { clock, policy } = setup(100);
    const { fn, seen } = after(clock, 500, 'late');
    const result = observe(policy.execute(fn));
    const signal = seen[0]!.signal;
    await clock.advance(100);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(result.error);
  });

  it('ignores a result that arrives after the limit', async () => {
    const { clock, policy } = setup(100);
    const result = observe(policy.execute(after(clock, 150, 'late').fn));
    await clock.runAll();
    expect(result.error).toBeInstanceOf(TimeoutError);
  });

  it('hands an already-aborted signal to fn that reads it only after the timeout', async () => {
    const { clock, policy } = setup(100);
    let lateSignal: AbortSignal | undefined;
    const fn = (ctx: PolicyContext) =>
      new Promise<void>((resolve) =>
        clock.setTimeout(() => {
          lateSignal = ctx.signal;
          resolve();
        }, 200),
      );
    observe(policy.execute(fn));
    await clock.runAll();
    expect(lateSignal?.aborted).toBe(true);
    expect(lateSignal?.reason).toBeInstanceOf(TimeoutError);
  });

  it('resolves with fn value in time, clears its timer and leaves the signal un-aborted', async () => {
    const { clock, policy } = setup(1_000);
    const { fn, seen } = after(clock, 10, 'ok');
    const result = observe(policy.execute(fn));
    await clock.advance(10);
    expect(result.value).toBe('ok');
    expect(clock.pendingTimers).toBe(0);
    expect(seen[0]!.signal.aborted).toBe(false);
  });

  it('rethrows fn errors unchanged and clears the timer', async () => {
    const { clock, policy } = setup(1_000);
    const error = new Error('boom');
    await expect(policy.execute(() => Promise.reject(error))).rejects.toBe(error);
    await expect(
      policy.execute(() => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(clock.pendingTimers).toBe(0);
  });

  it('creates no AbortController when fn does not read ctx.signal', async () => {
    let created = 0;
    globalThis.AbortController = class extends RealAbortController {
      constructor() {
        super();
        created++;
      }
    };
    const { policy } = setup(1_000);
    await policy.execute(() => 'fast');
    expect(created).toBe(0);
    await policy.execute((ctx) => ctx.signal.aborted);
    expect(created).toBe(1);
  });

  it('rejects with CancelledError, not TimeoutError, when the caller aborts', async () => {
    const { clock, policy } = setup(1_000);
    const timeouts: unknown[] = [];
    policy.onTimeout((e) => timeouts.push(e));
    const controller = new AbortController();
    const { fn, seen } = after(clock, 5_000, 'late');
    const result = observe(policy.execute(fn, controller.signal));
    await clock.advance(100);
    controller.abort('user left');
    await clock.advance(0);
    expect(result.error).toBeInstanceOf(CancelledError);
    expect((result.error as CancelledError).cause).toBe('user left');
    expect(seen[0]!.signal.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(1); // only fn's own timer is left
    await clock.runAll();
    expect(timeouts).toEqual([]);
  });

  it('does not call fn when the caller signal is already aborted', async () => {
    const { policy } = setup();
    let called = false;
    await expect(policy.execute(() => (called = true), AbortSignal.abort())).rejects.toBeInstanceOf(CancelledError);
    expect(called).toBe(false);
  });

  it('leaves no abort listener on the caller signal after success, failure or timeout', async () => {
    const { clock, policy } = setup(100);
    const controller = new AbortController();
    for (let i = 0; i < 15; i++) {
      await policy.execute(() => 'ok', controller.signal);
      await policy.execute(() => Promise.reject(new Error('x')), controller.signal).catch(() => undefined);
      const timedOut = observe(policy.execute(after(clock, 1_000, 'late').fn, controller.signal));
      await clock.advance(100);
      expect(timedOut.error).toBeInstanceOf(TimeoutError);
    }
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('fires onTimeout once per timeout with the error', async () => {
    const { clock, policy } = setup(50);
    const timeouts: TimeoutError[] = [];
    policy.onTimeout((e) => timeouts.push(e));
    const result = observe(policy.execute(after(clock, 100, 'late').fn));
    await clock.runAll();
    expect(timeouts).toEqual([result.error]);
  });

  it('accepts { ms } and rejects limits that are not positive numbers', () => {
    expect(new TimeoutPolicy({ ms: 250 }).currentLimit()).toBe(250);
    expect(() => new TimeoutPolicy(0)).toThrow(ConfigurationError);
    expect(() => new TimeoutPolicy(Number.NaN)).toThrow(/ms/);
  });

  it('keeps a fixed limit whatever it records', () => {
    const { policy } = setup(300);
    policy.recordSuccess(10);
    policy.recordTimeout();
    expect(policy.currentLimit()).toBe(300);
  });

  describe('adaptive', () => {
    const adaptive = { initial: 1_000, min: 100, max: 5_000, multiplier: 2, window: 3, growth: 1.5 };

    it('follows multiplier × the moving average of observed durations', async () => {
      const { clock, policy } = setup({ adaptive });
      expect(policy.currentLimit()).toBe(1_000);
      for (const [ms, limit] of [
        [300, 600],
        [500, 800],
        [700, 1_000],
        [60, 840], // 300 left the 3-sample window

      ] as const) {
        observe(policy.execute(after(clock, ms, 'ok').fn));
        await clock.advance(ms);
        expect(policy.currentLimit()).toBe(limit);
      }
    });

    it('grows the limit on each timeout, up to max', async () => {
      const { clock, policy } = setup({ adaptive });
      const limits: number[] = [];
      for (let i = 0; i < 6; i++) {
        observe(policy.execute(after(clock, 60_000, 'late').fn));
        await clock.advance(policy.currentLimit());
        limits.push(policy.currentLimit());
      }
      expect(limits).toEqual([1_500, 2_250, 3_375, 5_000, 5_000, 5_000]);
    });

    it('applies the new limit to the next call', async () => {
      const { clock, policy } = setup({ adaptive });
      policy.recordSuccess(100); // limit 200
      const result = observe(policy.execute(after(clock, 250, 'ok').fn));
      await clock.advance(200);
      expect(result.error).toMatchObject({ timeoutMs: 200 });
    });
  });
});
