import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CallbackError,
  CircuitBreakerPolicy,
  ConfigurationError,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TopicId,
  TypeSubscription,
  circuitBreaker,
  FallbackPolicy,
  messageHandler,
  retry,
  timeout,
  type Subscription,
} from '../../src/index.js';
import { drive, flushAll, settle } from '../fixtures.js';

class Job {
  constructor(readonly urgent = false) {}
}

class Broken extends Error {}

/** The first handler's match predicate throws for urgent jobs. */
class Picky extends RoutedAgent {
  @messageHandler(Job, { match: (job: Job) => (job.urgent ? (() => { throw new Broken('match'); })() : false) })
  urgent(_job: Job): string {
    return 'urgent';
  }

  @messageHandler(Job)
  normal(_job: Job): string {
    return 'normal';
  }
}

let calls = 0;

class RetryOnThrows extends RoutedAgent {
  @messageHandler()
  @retry({ maxRetries: 3, baseDelay: 10, jitter: 'none', retryOn: () => { throw new Broken('retryOn'); } })
  onJob(_job: Job): never {
    calls++;
    throw new Error('handler failed');
  }
}

class IsFailureThrows extends RoutedAgent {
  @messageHandler()
  @circuitBreaker({ failureThreshold: 2, recoveryTimeout: 100, isFailure: () => { throw new Broken('isFailure'); } })
  onJob(_job: Job): never {
    calls++;
    throw new Error('handler failed');
  }
}

/** Returns a thenable whose `then` throws, or whose `then` getter throws. */
class HostileThenable extends RoutedAgent {
  @messageHandler()
  onJob(job: Job): unknown {
    if (job.urgent) return Object.defineProperty({}, 'then', { get: () => { throw new Broken('then getter'); } });
    return { then: () => { throw new Broken('then'); } };
  }
}

class TimedHostileThenable extends RoutedAgent {
  @messageHandler()
  @timeout(1_000)
  onJob(_job: Job): unknown {
    return { then: () => { throw new Broken('then'); } };
  }
}

class Failing extends RoutedAgent {
  @messageHandler()
  onJob(_job: Job): never {
    throw new Error('handler failed');
  }
}

class ClosesBadly extends RoutedAgent {
  closed = false;
  override async close(): Promise<void> {
    this.closed = true;
    if (this.id.key === 'bad') throw new Broken('close');
  }
}

describe('callbacks and values of yours that throw or misbehave', () => {
  let runtime: SingleThreadedAgentRuntime;
  let clock: SimulatedClock;
  const uncaught: unknown[] = [];
  const collect = (error: unknown): number => uncaught.push(error);

  beforeEach(() => {
    calls = 0;
    uncaught.length = 0;
    clock = new SimulatedClock();
    process.on('uncaughtException', collect);
    process.on('unhandledRejection', collect);
  });
  afterEach(async () => {
    if (runtime.isRunning) await runtime.stop();
    await flushAll();
    process.off('uncaughtException', collect);
    process.off('unhandledRejection', collect);
    expect(uncaught).toEqual([]);
  });

  async function started(register: (rt: SingleThreadedAgentRuntime) => Promise<unknown>, options = {}): Promise<AgentId> {
    runtime = new SingleThreadedAgentRuntime({ clock, ...options });
    await register(runtime);
    runtime.start();
    return new AgentId('t', 'k');
  }

  it('fails a message whose match predicate throws with CallbackError naming the handler, and keeps serving', async () => {
    const id = await started((rt) => Picky.register(rt, 't', () => new Picky()));
    const error = await runtime.sendMessage(new Job(true), id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallbackError);
    expect(error).toMatchObject({ code: 'CALLBACK_FAILED', callback: 'match', cause: expect.any(Broken) });
    expect((error as Error).message).toContain('t/k.urgent');
    expect(await runtime.sendMessage(new Job(false), id)).toBe('normal');
  });

  it('stops retrying when retryOn throws, failing with CallbackError that carries the failure judged', async () => {
    const id = await started((rt) => RetryOnThrows.register(rt, 't', () => new RetryOnThrows()));
    const outcome = await drive(clock, runtime.sendMessage(new Job(), id));
    const error = (outcome as { error: CallbackError }).error;
    expect(error).toBeInstanceOf(CallbackError);
    expect(error.callback).toBe('retryOn');
    expect((error.input as Error).message).toBe('handler failed');
    expect(calls).toBe(1);
  });

  it('counts a failure whose isFailure throws, so a half-open breaker is never wedged', async () => {
    const id = await started((rt) => IsFailureThrows.register(rt, 't', () => new IsFailureThrows()));
    for (let i = 0; i < 2; i++) await expect(runtime.sendMessage(new Job(), id)).rejects.toBeInstanceOf(CallbackError);
    const breaker = runtime.handlerBreaker('t', 'onJob')!;
    expect(breaker.state).toBe('open');
    await clock.advance(100);
    await expect(runtime.sendMessage(new Job(), id)).rejects.toBeInstanceOf(CallbackError); // the half-open trial
    expect(breaker.state).toBe('open'); // reopened, not stuck half-open with its trial slot taken
    await clock.advance(100);
    await expect(runtime.sendMessage(new Job(), id)).rejects.toBeInstanceOf(CallbackError);
    expect(calls).toBe(4);
  });

  it('gives a standalone breaker the same answer: the failure counts, then execute rejects with CallbackError', async () => {
    const breaker = new CircuitBreakerPolicy({ failureThreshold: 1, recoveryTimeout: 10, clock, isFailure: () => { throw new Broken('isFailure'); } });
    await expect(breaker.execute(() => Promise.reject(new Error('x')))).rejects.toBeInstanceOf(CallbackError);
    expect(breaker.state).toBe('open');
  });

  it("fails with CallbackError when a FallbackPolicy's handle filter throws", async () => {
    runtime = new SingleThreadedAgentRuntime();
    const policy = new FallbackPolicy({ fallback: 'substitute', handle: () => { throw new Broken('handle'); } });
    await expect(policy.execute(() => { throw new Error('call failed'); })).rejects.toMatchObject({ code: 'CALLBACK_FAILED', callback: 'handle' });
  });

  it('fails a request with what a returned thenable throws from then (or its then getter), instead of hanging', async () => {
    const id = await started((rt) => HostileThenable.register(rt, 't', () => new HostileThenable()));
    for (const [urgent, message] of [[false, 'then'], [true, 'then getter']] as const) {
      const outcome = await settle(runtime.sendMessage(new Job(urgent), id));
      expect(outcome.ok).toBe(false);
      expect((outcome as { error: Error }).error).toBeInstanceOf(Broken);
      expect((outcome as { error: Error }).error.message).toBe(message);
    }
  });

  it('does the same for a decorated handler', async () => {
    const id = await started((rt) => TimedHostileThenable.register(rt, 't', () => new TimedHostileThenable()));
    await expect(runtime.sendMessage(new Job(), id)).rejects.toThrow('then');
  });

  it('fails a retried request with a typed error when the jitter randomness throws or answers out of [0, 1)', async () => {
    for (const [random, type] of [[() => NaN, ConfigurationError], [() => 7, ConfigurationError], [() => { throw new Broken('random'); }, CallbackError]] as const) {
      const id = await started((rt) => Failing.register(rt, 't', () => new Failing()), { random });
      const outcome = await drive(clock, runtime.sendMessage(new Job(), id, { retry: { maxRetries: 2, baseDelay: 10 } }), { limit: 1_000 });
      expect((outcome as { error: unknown }).error).toBeInstanceOf(type);
      await runtime.stop();
    }
  });

  it('rejects a publish with CallbackError when a custom subscription throws, delivering nothing, and recovers once it is removed', async () => {
    await started((rt) => Failing.register(rt, 't', () => new Failing()));
    const hostile: Subscription = {
      id: 'hostile',
      isMatch: () => { throw new Broken('isMatch'); },
      mapToAgent: () => new AgentId('t', 'k'),
      equals: () => false,
    };
    await runtime.addSubscription(hostile);
    await expect(runtime.publishMessage(new Job(), new TopicId('news', 'x'))).rejects.toMatchObject({ code: 'CALLBACK_FAILED', callback: 'isMatch' });
    expect(runtime.deadLetters.size).toBe(0);
    await runtime.removeSubscription('hostile');
    await runtime.addSubscription(new TypeSubscription('news', 't'));
    await runtime.publishMessage(new Job(), new TopicId('news', 'x'));
    await runtime.stopWhenIdle();
    expect(runtime.deadLetters.size).toBe(1); // delivered (and failed, as Failing does)
  });

  it('rejects a publish when a subscription maps to something that is not an AgentId', async () => {
    await started((rt) => Failing.register(rt, 't', () => new Failing()));
    await runtime.addSubscription({ id: 'odd', isMatch: () => true, mapToAgent: () => 't/k' as never, equals: () => false });
    await expect(runtime.publishMessage(new Job(), new TopicId('news', 'x'))).rejects.toThrow(/mapToAgent must return an AgentId/);
  });

  it('refuses something that is not a subscription when it is added', async () => {
    await started((rt) => Failing.register(rt, 't', () => new Failing()));
    for (const bad of [null, 'news', { id: 'x', isMatch: () => true }]) {
      await expect(runtime.addSubscription(bad as never)).rejects.toBeInstanceOf(ConfigurationError);
    }
  });

  it('closes every agent even when one close() throws, then rethrows that failure', async () => {
    const agents: ClosesBadly[] = [];
    await started((rt) => ClosesBadly.register(rt, 't', () => agents[agents.push(new ClosesBadly()) - 1]!));
    for (const key of ['a', 'bad', 'c']) await runtime.get('t', key, { lazy: false });
    await expect(runtime.close()).rejects.toBeInstanceOf(Broken);
    expect(agents.map((a) => a.closed)).toEqual([true, true, true]);
  });
});
