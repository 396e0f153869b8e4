import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  BulkheadFullError,
  BulkheadPolicy,
  CircuitBreakerPolicy,
  type MessageContext,
  RetryPolicy,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  TimeoutPolicy,
  bulkhead,
  circuitBreaker,
  fallback,
  messageHandler,
  retry,
  timeout,
  wrap,
} from '../../src/index.js';
import { collectEvents, deferred, drive, flushAll, settle } from '../fixtures.js';

/**
 * The same policies, used the three ways agentwire offers — standalone (`wrap(…).execute`), as
 * handler decorators, and as `sendMessage` options — run through one pipeline, so they behave and
 * report alike: the same attempts at the same times, the same retry delays, the same outcome.
 */

class Work {
  constructor(readonly label: string) {}
}

/** Fails its first two attempts, then answers; records when each attempt started. */
function flakyTwice(clock: SimulatedClock, starts: number[]): (attempt: number) => Promise<string> {
  return (attempt) => {
    starts.push(clock.now());
    return attempt <= 2 ? Promise.reject(new Error(`attempt ${attempt} failed`)) : Promise.resolve(`done on attempt ${attempt}`);
  };
}

const RETRY = { maxRetries: 3, baseDelay: 100, jitter: 'none' } as const;

describe('one policy pipeline', () => {
  let clock: SimulatedClock;
  let runtime: SingleThreadedAgentRuntime;

  beforeEach(() => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
  });

  afterEach(async () => {
    if (runtime.isRunning) await runtime.stop();
  });

  it('runs retry, breaker and timeout identically standalone, as decorators and as send options', async () => {
    const timeline: Record<string, { starts: number[]; delays: number[]; outcome: unknown }> = {};

    // standalone
    const standalone = { starts: [] as number[], delays: [] as number[], outcome: undefined as unknown };
    const retryPolicy = new RetryPolicy({ ...RETRY, clock });
    retryPolicy.onRetry(({ delay }) => standalone.delays.push(delay));
    const work = flakyTwice(clock, standalone.starts);
    const policy = wrap(retryPolicy, new CircuitBreakerPolicy({ failureThreshold: 5, recoveryTimeout: 1_000, clock }), new TimeoutPolicy(1_000, { clock }));
    standalone.outcome = await drive(clock, policy.execute(({ attempt }) => work(attempt)), { step: 1 });
    timeline.standalone = standalone;

    // decorators
    const decorated = { starts: [] as number[], delays: [] as number[], outcome: undefined as unknown };
    const handlerWork = flakyTwice(clock, decorated.starts);
    class Decorated extends RoutedAgent {
      @messageHandler()
      @retry(RETRY)
      @circuitBreaker({ failureThreshold: 5, recoveryTimeout: 1_000 })
      @timeout(1_000)
      async onWork(_message: Work, ctx: MessageContext): Promise<string> {
        return handlerWork(ctx.attempt);
      }
    }
    await Decorated.register(runtime, 'decorated', () => new Decorated());
    const handlerRetries = collectEvents(runtime, 'retry');
    runtime.start();
    decorated.outcome = await drive(clock, runtime.sendMessage(new Work('w'), new AgentId('decorated', 'default')), { step: 1 });
    decorated.delays = handlerRetries.map((e) => e.delayMs);
    timeline.decorated = decorated;

    // send options, with the same kind of policy objects passed per call
    const perCall = { starts: [] as number[], delays: [] as number[], outcome: undefined as unknown };
    const callerWork = flakyTwice(clock, perCall.starts);
    await registerBody(runtime, 'plain', (_m, ctx) => callerWork(ctx.attempt));
    const callerRetry = new RetryPolicy({ ...RETRY, clock });
    callerRetry.onRetry(({ delay }) => perCall.delays.push(delay));
    perCall.outcome = await drive(
      clock,
      runtime.sendMessage(new Work('w'), new AgentId('plain', 'default'), { retry: callerRetry, circuitBreaker: { failureThreshold: 5, recoveryTimeout: 1_000 }, timeout: 1_000 }),
      { step: 1 },
    );
    timeline.perCall = perCall;

    const relative = (t: { starts: number[] }): number[] => t.starts.map((s) => s - t.starts[0]!);
    expect(relative(timeline.standalone)).toEqual([0, 100, 300]);
    expect(relative(timeline.decorated)).toEqual([0, 100, 300]);
    expect(relative(timeline.perCall)).toEqual([0, 100, 300]);
    for (const t of Object.values(timeline)) {
      expect(t.delays).toEqual([100, 200]);
      expect(t.outcome).toEqual({ ok: true, value: 'done on attempt 3' });
    }
  });

  it('fires a TimeoutPolicy’s own onTimeout whichever way it is used', async () => {
    const policy = new TimeoutPolicy(50, { clock });
    const seen: TimeoutError[] = [];
    policy.onTimeout((e) => seen.push(e));
    await registerBody(runtime, 'hang', () => new Promise(() => undefined));
    runtime.start();
    const standalone = await drive(clock, policy.execute(() => new Promise(() => undefined)), { step: 10 });
    const sent = await drive(clock, runtime.sendMessage(new Work('w'), new AgentId('hang', 'default'), { timeout: policy }), { step: 10 });
    expect([standalone, sent].map((o) => !o.ok && o.error)).toEqual(seen);
    expect(seen).toHaveLength(2);
    expect(seen.every((e) => e instanceof TimeoutError && e.timeoutMs === 50)).toBe(true);
  });

  describe('bulkhead', () => {
    it('caps a handler’s concurrent attempts with @bulkhead and turns the overflow away with BulkheadFullError', async () => {
      const gate = deferred<string>();
      let running = 0;
      let peak = 0;
      class Guarded extends RoutedAgent {
        @messageHandler()
        @bulkhead({ maxConcurrent: 2, maxQueued: 1 })
        async onWork(message: Work): Promise<string> {
          running++;
          peak = Math.max(peak, running);
          try {
            return `${message.label}: ${await gate.promise}`;
          } finally {
            running--;
          }
        }
      }
      await Guarded.register(runtime, 'guarded', () => new Guarded(), { concurrency: 10 });
      runtime.start();
      const replies = ['a', 'b', 'c', 'd'].map((label) => settle(runtime.sendMessage(new Work(label), new AgentId('guarded', 'default'))));
      await flushAll();
      expect(running).toBe(2);
      gate.resolve('ok');
      const outcomes = await Promise.all(replies);
      expect(peak).toBe(2);
      expect(outcomes.slice(0, 3)).toEqual([{ ok: true, value: 'a: ok' }, { ok: true, value: 'b: ok' }, { ok: true, value: 'c: ok' }]);
      expect(!outcomes[3]!.ok && outcomes[3]!.error).toBeInstanceOf(BulkheadFullError);
    });

    it('caps the requests in flight to one recipient with the bulkhead send option, shared per recipient', async () => {
      const gate = deferred<string>();
      await registerBody(runtime, 'slow', () => gate.promise, 10);
      runtime.start();
      const to = new AgentId('slow', 'default');
      const replies = [1, 2, 3].map(() => settle(runtime.sendMessage(new Work('w'), to, { bulkhead: { maxConcurrent: 1, maxQueued: 1 } })));
      await flushAll();
      gate.resolve('done');
      const outcomes = await Promise.all(replies);
      expect(outcomes.map((o) => o.ok)).toEqual([true, true, false]);
      expect(!outcomes[2]!.ok && outcomes[2]!.error).toBeInstanceOf(BulkheadFullError);
    });

    it('runs a shared BulkheadPolicy passed per call, counting its slots across recipients', async () => {
      const shared = new BulkheadPolicy({ maxConcurrent: 1 });
      const rejected: BulkheadFullError[] = [];
      shared.onReject((e) => rejected.push(e));
      const gate = deferred<string>();
      await registerBody(runtime, 'slow', () => gate.promise);
      runtime.start();
      const first = settle(runtime.sendMessage(new Work('w'), new AgentId('slow', 'a'), { bulkhead: shared }));
      const second = settle(runtime.sendMessage(new Work('w'), new AgentId('slow', 'b'), { bulkhead: shared }));
      expect((await second).ok).toBe(false);
      gate.resolve('done');
      expect(await first).toEqual({ ok: true, value: 'done' });
      expect(rejected).toHaveLength(1);
      expect(shared.active).toBe(0);
    });

    it('refuses @bulkhead and @circuitBreaker with different scopes on one handler', () => {
      class Mixed extends RoutedAgent {
        @messageHandler()
        @bulkhead({ maxConcurrent: 1, scope: 'instance' })
        @circuitBreaker({ recoveryTimeout: 10 })
        onWork(_message: Work): string {
          return 'x';
        }
      }
      return expect(Mixed.register(runtime, 'mixed', () => new Mixed())).rejects.toThrow(/same scope/);
    });
  });

  it('answers with @fallback once the retries run out, handing it the last error and the message', async () => {
    const seen: unknown[] = [];
    class WithFallback extends RoutedAgent {
      @messageHandler()
      @retry({ maxRetries: 1, baseDelay: 10, jitter: 'none' })
      @fallback((error: unknown, message: Work) => {
        seen.push(error, message);
        return `fallback for ${message.label}`;
      })
      onWork(message: Work): string {
        throw new Error(`no ${message.label}`);
      }
    }
    await WithFallback.register(runtime, 'fb', () => new WithFallback());
    runtime.start();
    expect(await drive(clock, runtime.sendMessage(new Work('w'), new AgentId('fb', 'default')))).toEqual({ ok: true, value: 'fallback for w' });
    expect((seen[0] as Error).message).toBe('no w');
    expect(seen[1]).toBeInstanceOf(Work);
  });
});

/** Registers agent type `type` whose only handler (for `Work`) runs `body`. */
async function registerBody(runtime: SingleThreadedAgentRuntime, type: string, body: (message: Work, ctx: MessageContext) => unknown, concurrency = 1): Promise<void> {
  class Body extends RoutedAgent {
    @messageHandler(Work)
    onWork(message: Work, ctx: MessageContext): unknown {
      return body(message, ctx);
    }
  }
  await Body.register(runtime, type, () => new Body(), { concurrency });
}
