import { describe, expect, it } from 'vitest';
import { CircuitOpenError } from '../../src/errors/CircuitOpenError.js';
import { ConfigurationError } from '../../src/errors/ConfigurationError.js';
import type { CircuitBreakerOptions, CircuitState } from '../../src/policies/CircuitBreakerOptions.js';
import { CircuitBreakerPolicy } from '../../src/policies/CircuitBreakerPolicy.js';
import { RetryPolicy, wrap, type FailureEvent, type SuccessEvent } from '../../src/index.js';
import { SimulatedClock } from '../../src/util/SimulatedClock.js';

class IgnoredError extends Error {}

function setup(options: Partial<CircuitBreakerOptions> = {}) {
  const clock = new SimulatedClock();
  const breaker = new CircuitBreakerPolicy({ failureThreshold: 3, recoveryTimeout: 1_000, clock, ...options });
  const transitions: string[] = [];
  breaker.onStateChange(({ from, to }) => transitions.push(`${from}>${to}`));
  return { clock, breaker, transitions };
}

const boom = new Error('down');
const fail = (breaker: CircuitBreakerPolicy) => breaker.execute(() => Promise.reject(boom)).catch((e: unknown) => e);
const succeed = (breaker: CircuitBreakerPolicy) => breaker.execute(() => 'ok');
async function failTimes(breaker: CircuitBreakerPolicy, n: number) {
  for (let i = 0; i < n; i++) await fail(breaker);
}

/** A call whose caller cancels it while it runs (it then rejects, as aborted work does). */
function cancelledCall(breaker: CircuitBreakerPolicy): Promise<never> {
  const controller = new AbortController();
  return breaker.execute(() => {
    controller.abort();
    return Promise.reject(new Error('aborted'));
  }, controller.signal);
}

/** A call the breaker admitted (or refused) that stays in flight until told how it ends. */
function inFlight(breaker: CircuitBreakerPolicy) {
  let settle: ((ok: boolean) => void) | undefined;
  const outcome = breaker
    .execute(() => new Promise<string>((resolve, reject) => (settle = (ok) => (ok ? resolve('ok') : reject(boom)))))
    .catch((e: unknown) => e);
  return {
    outcome,
    succeed: () => (settle!(true), outcome),
    fail: () => (settle!(false), outcome),
  };
}

describe('CircuitBreakerPolicy', () => {
  describe('consecutive failures', () => {
    it('opens on the failureThreshold-th consecutive failure, not before', async () => {
      const { breaker } = setup();
      const breaks: unknown[] = [];
      breaker.onBreak((e) => breaks.push(e));
      await failTimes(breaker, 2);
      expect(breaker.state).toBe('closed');
      await fail(breaker);
      expect(breaker.state).toBe('open');
      expect(breaks).toEqual([{ isolated: false, error: boom }]);
    });

    it('resets the count on success', async () => {
      const { breaker } = setup();
      await failTimes(breaker, 2);
      await succeed(breaker);
      await failTimes(breaker, 2);
      expect(breaker.state).toBe('closed');
    });

    it('rejects calls while open without running them, with the time remaining and the last failure', async () => {
      const { clock, breaker } = setup();
      await failTimes(breaker, 3);
      await clock.advance(400);
      let called = false;
      const error = await breaker.execute(() => (called = true)).catch((e: unknown) => e);
      expect(called).toBe(false);
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect(error).toMatchObject({ code: 'CIRCUIT_OPEN', retryAfter: 600, cause: boom });
      expect(breaker.retryAfter).toBe(600);
    });
  });

  describe('recovery', () => {
    it('goes closed → open → half-open → closed, moving to half-open lazily on the next call', async () => {
      const { clock, breaker, transitions } = setup();
      let halfOpens = 0;
      let resets = 0;
      breaker.onHalfOpen(() => halfOpens++);
      breaker.onReset(() => resets++);
      await failTimes(breaker, 3);
      await clock.advance(1_000);
      expect(breaker.state).toBe('open');
      expect(clock.pendingTimers).toBe(0);
      await expect(succeed(breaker)).resolves.toBe('ok');
      expect(transitions).toEqual(['closed>open', 'open>half-open', 'half-open>closed']);
      expect([halfOpens, resets]).toEqual([1, 1]);
    });

    it('re-opens when the trial fails, for a duration grown by recoveryBackoff up to max', async () => {
      const { clock, breaker } = setup({ recoveryBackoff: { factor: 2, max: 3_000 } });
      await failTimes(breaker, 3);
      const durations: number[] = [];
      for (let i = 0; i < 3; i++) {
        await clock.advance(breaker.retryAfter);
        await fail(breaker);
        expect(breaker.state).toBe('open');
        durations.push(breaker.retryAfter);
      }
      expect(durations).toEqual([2_000, 3_000, 3_000]);
    });

    it('starts again from recoveryTimeout after closing', async () => {
      const { clock, breaker } = setup({ recoveryBackoff: { factor: 2, max: 8_000 } });
      await failTimes(breaker, 3);
      await clock.advance(1_000);
      await fail(breaker); // re-open for 2 000
      await clock.advance(2_000);
      await succeed(breaker);
      await failTimes(breaker, 3);
      expect(breaker.retryAfter).toBe(1_000);
    });

    it('admits halfOpenMaxCalls trials and rejects the rest at once with retryAfter 0', async () => {
      const { clock, breaker } = setup({ halfOpenMaxCalls: 2 });
      await failTimes(breaker, 3);
      await clock.advance(1_000);
      const trials = [inFlight(breaker), inFlight(breaker)];
      const rejected = await breaker.execute(() => 'never').catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(CircuitOpenError);
      expect(rejected).toMatchObject({ retryAfter: 0 });
      await trials[0]!.succeed();
      expect(breaker.state).toBe('half-open');
      await trials[1]!.succeed();
      expect(breaker.state).toBe('closed');
    });

    it('re-opens when any one of several trials fails', async () => {
      const { clock, breaker } = setup({ halfOpenMaxCalls: 3 });
      await failTimes(breaker, 3);
      await clock.advance(1_000);
      const [a, b] = [inFlight(breaker), inFlight(breaker)];
      await a.succeed();
      await b.fail();
      expect(breaker.state).toBe('open');
    });

    it('gives a trial slot back when the caller cancels the trial', async () => {
      const { clock, breaker } = setup();
      await failTimes(breaker, 3);
      await clock.advance(1_000);
      await expect(cancelledCall(breaker)).rejects.toThrow('aborted');
      expect(breaker.state).toBe('half-open');
      await expect(succeed(breaker)).resolves.toBe('ok');
      expect(breaker.state).toBe('closed');
    });
  });

  describe('generations', () => {
    it('ignores a late failure from a call admitted before the breaker opened', async () => {
      const { clock, breaker } = setup({ failureThreshold: 1 });
      const old = inFlight(breaker);
      await fail(breaker); // opens
      await clock.advance(1_000);
      const trial = inFlight(breaker); // half-open
      await old.fail();
      expect(breaker.state).toBe('half-open');
      await trial.succeed();
      expect(breaker.state).toBe('closed');
    });

    it('ignores a late success from before the open, so it cannot close the breaker', async () => {
      const { clock, breaker } = setup({ failureThreshold: 1 });
      const old = inFlight(breaker);
      await fail(breaker);
      await clock.advance(1_000);
      inFlight(breaker); // the trial, still running
      await old.succeed();
      expect(breaker.state).toBe('half-open');
    });

    it('ignores a trial from an earlier half-open period', async () => {
      const { clock, breaker } = setup({ failureThreshold: 1, halfOpenMaxCalls: 2 });
      await fail(breaker);
      await clock.advance(1_000);
      const first = inFlight(breaker);
      await fail(breaker); // the other trial fails: re-opens
      await clock.advance(1_000);
      const second = inFlight(breaker);
      await first.succeed();
      await second.succeed();
      expect(breaker.state).toBe('half-open');
    });

    it('ignores outcomes of calls that were in flight during reset()', async () => {
      const { breaker } = setup({ failureThreshold: 1 });
      const call = inFlight(breaker);
      breaker.reset();
      await call.fail();
      expect(breaker.state).toBe('closed');
    });
  });

  describe('isFailure', () => {
    it('counts errors it rejects as successes, and still rethrows them', async () => {
      const { breaker } = setup({ isFailure: (e) => !(e instanceof IgnoredError) });
      const ignored = new IgnoredError('4xx');
      await failTimes(breaker, 2);
      await expect(breaker.execute(() => Promise.reject(ignored))).rejects.toBe(ignored);
      await failTimes(breaker, 2);
      expect(breaker.state).toBe('closed');
    });

    it('closes a half-open breaker whose trial ends in an ignored error', async () => {
      const { clock, breaker } = setup({ isFailure: (e) => !(e instanceof IgnoredError) });
      await failTimes(breaker, 3);
      await clock.advance(1_000);
      await breaker.execute(() => Promise.reject(new IgnoredError())).catch(() => undefined);
      expect(breaker.state).toBe('closed');
    });
  });

  describe('manual control', () => {
    it('isolates until every handle is disposed', async () => {
      const { breaker, transitions } = setup();
      const breaks: unknown[] = [];
      let resets = 0;
      breaker.onBreak((e) => breaks.push(e));
      breaker.onReset(() => resets++);
      const a = breaker.isolate();
      const b = breaker.isolate();
      expect(breaker.state).toBe<CircuitState>('isolated');
      await expect(succeed(breaker)).rejects.toBeInstanceOf(CircuitOpenError);
      a.dispose();
      a.dispose();
      expect(breaker.state).toBe('isolated');
      expect(resets).toBe(0);
      b.dispose();
      expect(breaker.state).toBe('closed');
      expect(breaks).toEqual([{ isolated: true }]);
      expect(resets).toBe(1);
      expect(transitions).toEqual(['closed>isolated', 'isolated>closed']);
    });

    it('reset() closes an open breaker and forgets its failures', async () => {
      const { breaker } = setup();
      await failTimes(breaker, 3);
      breaker.reset();
      expect(breaker.state).toBe('closed');
      await failTimes(breaker, 2);
      expect(breaker.state).toBe('closed');
    });

    it('reset() lifts isolation and makes outstanding handles no-ops', async () => {
      const { breaker } = setup();
      const handle = breaker.isolate();
      breaker.reset();
      expect(breaker.state).toBe('closed');
      breaker.isolate();
      handle.dispose();
      expect(breaker.state).toBe('isolated');
    });
  });

  describe('state export', () => {
    it('restores a closed breaker with its consecutive failures', async () => {
      const { breaker } = setup();
      await failTimes(breaker, 2);
      const restored = new CircuitBreakerPolicy({ failureThreshold: 3, recoveryTimeout: 1_000, initialState: breaker.toJSON() });
      await fail(restored);
      expect(restored.state).toBe('open');
    });

    it('restores an open breaker with the time it had left, whatever the clock origin', async () => {
      const { clock, breaker } = setup({ recoveryBackoff: { factor: 2, max: 10_000 } });
      await failTimes(breaker, 3);
      await clock.advance(1_000);
      await fail(breaker); // open for 2 000
      await clock.advance(500);
      const json = JSON.parse(JSON.stringify(breaker)) as unknown;
      const other = new SimulatedClock(1_000_000);
      const restored = CircuitBreakerPolicy.fromJSON(json, { failureThreshold: 3, recoveryTimeout: 1_000, recoveryBackoff: { factor: 2, max: 10_000 }, clock: other });
      expect(restored.state).toBe('open');
      expect(restored.retryAfter).toBe(1_500);
      await other.advance(1_500);
      await fail(restored);
      expect(restored.retryAfter).toBe(4_000);
    });

    it('exports half-open as open with retryAfter 0, so the restored breaker trials at once', async () => {
      const { clock, breaker } = setup();
      await failTimes(breaker, 3);
      await clock.advance(1_000);
      inFlight(breaker); // half-open, its trial running
      expect(breaker.toJSON()).toMatchObject({ state: 'open', retryAfter: 0 });
      const restored = new CircuitBreakerPolicy({ failureThreshold: 3, recoveryTimeout: 1_000, initialState: breaker.toJSON() });
      await expect(succeed(restored)).resolves.toBe('ok');
      expect(restored.state).toBe('closed');
    });

    it('restores a count window', async () => {
      const { breaker } = setup({ failureThreshold: undefined, window: { kind: 'count', size: 4 }, minimumCalls: 4 });
      await succeed(breaker);
      await failTimes(breaker, 2);
      const restored = new CircuitBreakerPolicy({ window: { kind: 'count', size: 4 }, minimumCalls: 4, recoveryTimeout: 1_000, initialState: breaker.toJSON() });
      expect(restored.toJSON().samples).toEqual([0, 1, 1]);
      await succeed(restored);
      expect(restored.state).toBe('open');
    });

    it('refuses a malformed snapshot with a ConfigurationError', () => {
      expect(() => CircuitBreakerPolicy.fromJSON({ state: 'weird' }, { recoveryTimeout: 1 })).toThrow(ConfigurationError);
    });
  });

  describe('sliding windows', () => {
    it('opens a count window when failures / calls reaches the threshold (>=), not below', async () => {
      const { breaker } = setup({ failureThreshold: undefined, window: { kind: 'count', size: 10 }, failureRateThreshold: 0.5 });
      for (const outcome of 'SSSSSFFFFS') await (outcome === 'S' ? succeed(breaker) : fail(breaker));
      expect(breaker.state).toBe('closed'); // 4 of 10
      await fail(breaker); // the oldest S slides out: 5 of 10
      expect(breaker.state).toBe('open');
    });

    it('ignores the rate until minimumCalls outcomes are in the window', async () => {
      const { breaker } = setup({ failureThreshold: undefined, window: { kind: 'count', size: 10 }, minimumCalls: 5 });
      await failTimes(breaker, 4);
      expect(breaker.state).toBe('closed');
      await fail(breaker);
      expect(breaker.state).toBe('open');
    });

    it('opens a time window on the rate over the last ms once minimumCalls are in', async () => {
      const { clock, breaker } = setup({ failureThreshold: undefined, window: { kind: 'time', ms: 10_000 }, minimumCalls: 4, failureRateThreshold: 0.5 });
      await succeed(breaker);
      await succeed(breaker);
      await fail(breaker);
      await clock.advance(3_000);
      expect(breaker.state).toBe('closed');
      await fail(breaker);
      expect(breaker.state).toBe('open');
    });

    it('lets old outcomes age out of a time window', async () => {
      const { clock, breaker } = setup({ failureThreshold: undefined, window: { kind: 'time', ms: 10_000, buckets: 10 }, minimumCalls: 3 });
      await failTimes(breaker, 2);
      await clock.advance(11_000);
      await fail(breaker);
      await succeed(breaker);
      expect(breaker.state).toBe('closed'); // 1 failure of 2 calls: below minimumCalls
      await fail(breaker);
      expect(breaker.state).toBe('open');
    });

    it('trips on either a consecutive run or the window rate when both are set', async () => {
      const { breaker } = setup({ failureThreshold: 2, window: { kind: 'count', size: 100 } });
      await failTimes(breaker, 2);
      expect(breaker.state).toBe('open');
    });
  });

  describe('events', () => {
    function outcomes(breaker: CircuitBreakerPolicy) {
      const successes: SuccessEvent[] = [];
      const failures: FailureEvent[] = [];
      breaker.onSuccess((e) => successes.push(e));
      breaker.onFailure((e) => failures.push(e));
      return { successes, failures };
    }

    it('fires onSuccess with the duration of each call it admitted', async () => {
      const { clock, breaker } = setup();
      const { successes, failures } = outcomes(breaker);
      const call = inFlight(breaker);
      await clock.advance(250);
      await call.succeed();
      await succeed(breaker);
      expect(successes).toEqual([{ duration: 250 }, { duration: 0 }]);
      expect(failures).toEqual([]);
    });

    it('fires onFailure with the duration, handled, and the error as reason.error', async () => {
      const { clock, breaker } = setup();
      const { successes, failures } = outcomes(breaker);
      const call = inFlight(breaker);
      await clock.advance(40);
      await call.fail();
      expect(failures).toEqual([{ duration: 40, handled: true, reason: { error: boom } }]);
      expect(failures[0]!.reason.error).toBe(boom);
      expect(successes).toEqual([]);
    });

    it('reports an error that isFailure declines as an unhandled failure, which does not count towards opening', async () => {
      const { breaker } = setup({ failureThreshold: 1, isFailure: (e) => !(e instanceof IgnoredError) });
      const { failures } = outcomes(breaker);
      const ignored = new IgnoredError('4xx');
      await expect(breaker.execute(() => Promise.reject(ignored))).rejects.toBe(ignored);
      expect(failures).toEqual([{ duration: 0, handled: false, reason: { error: ignored } }]);
      expect(breaker.state).toBe('closed');
    });

    it('fires neither for a call refused while open, nor for one its caller cancelled', async () => {
      const { clock, breaker } = setup({ failureThreshold: 1 });
      await fail(breaker);
      const { successes, failures } = outcomes(breaker);
      await expect(succeed(breaker)).rejects.toBeInstanceOf(CircuitOpenError);
      await clock.advance(1_000);
      await expect(cancelledCall(breaker)).rejects.toThrow('aborted');
      expect([successes, failures]).toEqual([[], []]);
    });

    it('fires per attempt when the breaker runs inside wrap, under a retry', async () => {
      const { breaker } = setup();
      const { successes, failures } = outcomes(breaker);
      const retry = new RetryPolicy({ maxRetries: 2, baseDelay: 0, clock: new SimulatedClock() });
      let calls = 0;
      const answer = await wrap(retry, breaker).execute(() => (++calls < 3 ? Promise.reject(boom) : 'ok'));
      expect(answer).toBe('ok');
      expect(failures.map((f) => f.reason.error)).toEqual([boom, boom]);
      expect(successes).toHaveLength(1);
    });

    it('times a call only from when a listener exists, and keeps no start time once any call ended', async () => {
      const { clock, breaker } = setup({ failureThreshold: 2 });
      const early = inFlight(breaker); // admitted before anyone listened: not timed
      const { successes, failures } = outcomes(breaker);
      const [ok, failing] = [inFlight(breaker), inFlight(breaker)];
      await clock.advance(30);
      await Promise.all([early.succeed(), ok.succeed(), failing.fail(), expect(cancelledCall(breaker)).rejects.toThrow('aborted')]);
      expect(successes).toEqual([{ duration: 0 }, { duration: 30 }]);
      expect(failures.map((f) => f.duration)).toEqual([30]);
      // white-box: the start times of timed calls are forgotten however the calls ended (no leak)
      expect((breaker as unknown as { startTimes?: Map<object, number> }).startTimes?.size).toBe(0);
    });

    it('stops firing for a listener once its subscription is disposed', async () => {
      const { breaker } = setup();
      let seen = 0;
      const subscription = breaker.onSuccess(() => seen++);
      await succeed(breaker);
      subscription.dispose();
      await succeed(breaker);
      expect(seen).toBe(1);
    });
  });

  describe('configuration', () => {
    it.each<[string, Partial<CircuitBreakerOptions>]>([
      ['failureRateThreshold', { failureRateThreshold: 0.5 }],
      ['failureRateThreshold', { window: { kind: 'count', size: 5 }, failureRateThreshold: 1.5 }],
      ['minimumCalls', { window: { kind: 'count', size: 5 }, minimumCalls: 6 }],
      ['recoveryTimeout', { recoveryTimeout: -1 }],
      ['halfOpenMaxCalls', { halfOpenMaxCalls: 0 }],
      ['recoveryBackoff.max', { recoveryBackoff: { factor: 2, max: 10 } }],
      ['failureThreshold', { failureThreshold: 0 }],
      ['window.size', { window: { kind: 'count', size: 0 } }],
    ])('rejects a bad %s with a ConfigurationError that names it', (name, options) => {
      expect(() => setup(options)).toThrow(ConfigurationError);
      expect(() => setup(options)).toThrow(name);
    });
  });
});
