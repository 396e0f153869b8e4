import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  CantHandleError,
  CircuitOpenError,
  DefaultTopicId,
  type MessageContext,
  MessageValidationError,
  type RetryOptions,
  type RuntimeEventMap,
  RoutedAgent,
  RuntimeStoppedError,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  circuitBreaker,
  defaultSubscription,
  fallback,
  messageHandler,
  retry,
  timeout,
} from '../../src/index.js';
import { ContentMessage, MessageType, type Deferred, type RuntimeEventPayload, collectEvents, deferred, drive, flushAll, settle, sleepOn } from '../fixtures.js';

/** A unit of work. */
class Job {
  constructor(readonly n = 0) {}
}

/** The error the test agents throw; one fresh object per attempt. */
class Boom extends Error {
  constructor(readonly attempt: number) {
    super(`boom on attempt ${attempt}`);
    this.name = 'Boom';
  }
}

interface AttemptRecord {
  readonly attempt: number;
  readonly messageId: string;
  readonly at: number;
}

/** Records every attempt; fails the first `failures` of them with a fresh Boom, then answers. */
abstract class Recording extends RoutedAgent {
  attempts: AttemptRecord[] = [];
  errors: Boom[] = [];
  failures = Number.POSITIVE_INFINITY;

  constructor(protected readonly clock: SimulatedClock) {
    super('Records its attempts');
  }

  protected step(ctx: MessageContext): string {
    this.attempts.push({ attempt: ctx.attempt, messageId: ctx.messageId, at: this.clock.now() });
    if (this.attempts.length <= this.failures) {
      const error = new Boom(ctx.attempt);
      this.errors.push(error);
      throw error;
    }
    return `ok after ${this.attempts.length}`;
  }
}

class RetryingAgent extends Recording {
  @messageHandler()
  @retry({ maxRetries: 3, baseDelay: 100, factor: 2, maxDelay: 250, jitter: 'none' })
  async onJob(_message: Job, ctx: MessageContext): Promise<string> {
    return this.step(ctx);
  }
}

/** Throws `nextError` when set (counting calls), else answers. */
class ThrowingAgent extends RoutedAgent {
  calls = 0;
  nextError: unknown;

  @messageHandler()
  @retry({ maxRetries: 3, baseDelay: 10, jitter: 'none' })
  onJob(_message: Job): string {
    this.calls++;
    throw this.nextError;
  }
}

/** Rejects with its signal's reason when the signal aborts. */
function untilAborted(ctx: MessageContext): Promise<never> {
  return new Promise((_, reject) => {
    const signal = ctx.signal;
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/** Hangs (until its signal aborts) for the first `hangs` attempts, then answers. */
class TimingOutAgent extends Recording {
  hangs = 2;

  @messageHandler()
  @timeout(100)
  @retry({ maxRetries: 2, baseDelay: 10, jitter: 'none' })
  async onJob(_message: Job, ctx: MessageContext): Promise<string> {
    this.attempts.push({ attempt: ctx.attempt, messageId: ctx.messageId, at: this.clock.now() });
    if (this.attempts.length <= this.hangs) return untilAborted(ctx);
    return 'finally in time';
  }
}

/** Ignores its signal: 'slow' messages wait for the test to release them, others answer at once. */
class SlowAgent extends RoutedAgent {
  started: string[] = [];
  signals: AbortSignal[] = [];
  gates: Deferred<string>[] = [];

  @messageHandler()
  @timeout(100)
  onContent(message: ContentMessage, ctx: MessageContext): Promise<string> {
    this.started.push(message.content);
    this.signals.push(ctx.signal);
    if (message.content !== 'slow') return Promise.resolve(`${message.content} done`);
    const gate = deferred<string>();
    this.gates.push(gate);
    return gate.promise;
  }
}

/** Never answers in time: hangs until its (adaptive) timeout aborts it. */
class AdaptiveAgent extends RoutedAgent {
  @messageHandler()
  @timeout({ adaptive: { initial: 100, min: 50, max: 1_000, growth: 2 } })
  onJob(_message: Job, ctx: MessageContext): Promise<string> {
    return untilAborted(ctx);
  }
}

type Behaviour = 'fail' | 'ok' | 'hold';

/** A dependency guarded by a type-scoped breaker; its behaviour is set by the test. */
class Dependency extends RoutedAgent {
  calls = 0;
  behaviour: Behaviour = 'fail';
  held: Deferred<string>[] = [];

  @messageHandler()
  @circuitBreaker({ failureThreshold: 3, recoveryTimeout: 1_000 })
  onJob(_message: Job): string | Promise<string> {
    return act(this);
  }
}

/** The same dependency with one breaker per instance. */
class PerInstanceDependency extends RoutedAgent {
  calls = 0;
  behaviour: Behaviour = 'fail';
  held: Deferred<string>[] = [];

  @messageHandler()
  @circuitBreaker({ failureThreshold: 3, recoveryTimeout: 1_000, scope: 'instance' })
  onJob(_message: Job): string | Promise<string> {
    return act(this);
  }
}

function act(agent: { calls: number; behaviour: Behaviour; held: Deferred<string>[] }): string | Promise<string> {
  agent.calls++;
  if (agent.behaviour === 'fail') throw new Boom(agent.calls);
  if (agent.behaviour === 'ok') return 'ok';
  const gate = deferred<string>();
  agent.held.push(gate);
  return gate.promise;
}

/** Opens on a failure rate over the last 4 calls. */
class RateGuarded extends RoutedAgent {
  outcomes: boolean[] = [];
  calls = 0;

  @messageHandler()
  @circuitBreaker({ window: { kind: 'count', size: 4 }, failureRateThreshold: 0.5, minimumCalls: 4, recoveryTimeout: 1_000 })
  onJob(_message: Job): string {
    const ok = this.outcomes[this.calls++] ?? true;
    if (!ok) throw new Boom(this.calls);
    return 'ok';
  }
}

class RetryAboveBreaker extends Recording {
  @messageHandler()
  @retry({ maxRetries: 5, baseDelay: 10, jitter: 'none' })
  @circuitBreaker({ failureThreshold: 2, recoveryTimeout: 10_000 })
  onJob(_message: Job, ctx: MessageContext): string {
    return this.step(ctx);
  }
}

class RetryBelowBreaker extends Recording {
  @messageHandler()
  @circuitBreaker({ failureThreshold: 2, recoveryTimeout: 10_000 })
  @retry({ maxRetries: 5, baseDelay: 10, jitter: 'none' })
  onJob(_message: Job, ctx: MessageContext): string {
    return this.step(ctx);
  }
}

/** Each attempt takes 80 ms; the first fails, the second answers. */
abstract class EightyMsAttempts extends Recording {
  protected async slowStep(ctx: MessageContext): Promise<string> {
    await sleepOn(this.clock, 80);
    return this.step(ctx);
  }
}

class TimeoutAboveRetry extends EightyMsAttempts {
  @messageHandler()
  @timeout(100)
  @retry({ maxRetries: 1, baseDelay: 50, jitter: 'none' })
  onJob(_message: Job, ctx: MessageContext): Promise<string> {
    return this.slowStep(ctx);
  }
}

class TimeoutBelowRetry extends EightyMsAttempts {
  @messageHandler()
  @retry({ maxRetries: 1, baseDelay: 50, jitter: 'none' })
  @timeout(100)
  onJob(_message: Job, ctx: MessageContext): Promise<string> {
    return this.slowStep(ctx);
  }
}

interface FallbackCall {
  readonly error: unknown;
  readonly message: unknown;
  readonly messageId: string;
}

const fallbackCalls: FallbackCall[] = [];
function recordFallback(error: unknown, message: never, ctx: MessageContext): string {
  fallbackCalls.push({ error, message, messageId: ctx.messageId });
  return 'fallback answer';
}

class FallbackAboveRetry extends Recording {
  @messageHandler()
  @fallback(recordFallback)
  @retry({ maxRetries: 2, baseDelay: 10, jitter: 'none' })
  onJob(_message: Job, ctx: MessageContext): string {
    return this.step(ctx);
  }
}

class FallbackBelowRetry extends Recording {
  @messageHandler()
  @retry({ maxRetries: 2, baseDelay: 10, jitter: 'none' })
  @fallback(recordFallback)
  onJob(_message: Job, ctx: MessageContext): string {
    return this.step(ctx);
  }
}

class GuardedWithFallback extends Recording {
  @messageHandler()
  @circuitBreaker({ failureThreshold: 2, recoveryTimeout: 1_000 })
  @fallback(recordFallback)
  onJob(_message: Job, ctx: MessageContext): string {
    return this.step(ctx);
  }
}

class SlowRetrying extends Recording {
  @messageHandler()
  @retry({ maxRetries: 3, baseDelay: 1_000, jitter: 'none' })
  @fallback(recordFallback)
  onJob(_message: Job, ctx: MessageContext): string {
    return this.step(ctx);
  }
}

@defaultSubscription()
class EventConsumer extends Recording {
  @messageHandler()
  @retry({ maxRetries: 2, baseDelay: 100, jitter: 'none' })
  onJob(_message: Job, ctx: MessageContext): string {
    return this.step(ctx);
  }
}

/** Honours its signal: hangs until aborted; guarded by a breaker that opens after 2 failures. */
class CancellableGuarded extends RoutedAgent {
  calls = 0;

  @messageHandler()
  @circuitBreaker({ failureThreshold: 2, recoveryTimeout: 1_000 })
  onJob(_message: Job, ctx: MessageContext): Promise<string> {
    this.calls++;
    return untilAborted(ctx);
  }
}

class TimeoutWithFallback extends RoutedAgent {
  signals: AbortSignal[] = [];

  @messageHandler()
  @timeout(100)
  @fallback(recordFallback)
  onJob(_message: Job, ctx: MessageContext): Promise<string> {
    this.signals.push(ctx.signal);
    return new Promise<string>(() => undefined);
  }
}

/** A fresh always-failing agent class with the given retry options (decorators run per call). */
function alwaysFailingWith(options: RetryOptions): new (clock: SimulatedClock) => Recording {
  class AlwaysFailing extends Recording {
    @messageHandler()
    @retry(options)
    onJob(_message: Job, ctx: MessageContext): string {
      return this.step(ctx);
    }
  }
  return AlwaysFailing;
}

type RecordingClass<T extends Recording> = (new (clock: SimulatedClock) => T) & Pick<typeof RoutedAgent, 'register'>;

describe('handler policies', () => {
  let clock: SimulatedClock;
  let runtime: SingleThreadedAgentRuntime;

  beforeEach(() => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    fallbackCalls.length = 0;
  });

  afterEach(async () => {
    await runtime.close();
  });

  /** Registers `agentClass` as `type`, starts the runtime and returns the instance behind `type/key`. */
  async function host<T extends Recording>(agentClass: RecordingClass<T>, type = 'worker', key = 'default'): Promise<T> {
    await agentClass.register(runtime, type, () => new agentClass(clock));
    if (!runtime.isRunning) runtime.start();
    return runtime.tryGetUnderlyingAgentInstance(new AgentId(type, key), agentClass);
  }

  function collect<K extends keyof RuntimeEventMap>(name: K): RuntimeEventPayload<K>[] {
    return collectEvents(runtime, name);
  }

  describe('@retry', () => {
    it('rejects with the last attempt’s own error object once retries run out', async () => {
      const agent = await host(RetryingAgent);
      const outcome = await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default')));
      expect(outcome.ok).toBe(false);
      expect(agent.errors).toHaveLength(4);
      expect(!outcome.ok && outcome.error).toBe(agent.errors[3]);
    });

    it('keeps the messageId across attempts and numbers them 1..n in ctx.attempt', async () => {
      const agent = await host(RetryingAgent);
      await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default'), { messageId: 'job-1' }));
      expect(agent.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
      expect(agent.attempts.map((a) => a.messageId)).toEqual(['job-1', 'job-1', 'job-1', 'job-1']);
    });

    it('keeps a generated messageId across attempts too', async () => {
      const agent = await host(RetryingAgent);
      await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default')));
      expect(new Set(agent.attempts.map((a) => a.messageId)).size).toBe(1);
    });

    it('waits min(maxDelay, baseDelay·factor^(n−1)) before retry n without jitter', async () => {
      const retries = collect('retry');
      const agent = await host(RetryingAgent);
      await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default')), { step: 1 });
      // baseDelay 100, factor 2, maxDelay 250: 100, 200, min(250, 400) = 250
      expect(agent.attempts.map((a) => a.at)).toEqual([0, 100, 300, 550]);
      expect(retries.map((r) => [r.side, r.attempt, r.delayMs])).toEqual([
        ['handler', 1, 100],
        ['handler', 2, 200],
        ['handler', 3, 250],
      ]);
      expect(retries.map((r) => r.error)).toEqual(agent.errors.slice(0, 3));
    });

    it('answers with the value of the first attempt that succeeds', async () => {
      const agent = await host(RetryingAgent);
      agent.failures = 2;
      const outcome = await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default')));
      expect(outcome).toEqual({ ok: true, value: 'ok after 3' });
      expect(agent.attempts.map((a) => a.at)).toEqual([0, 100, 300]);
    });

    it.each([
      ['CantHandleError', () => new CantHandleError('cannot handle this job')],
      ['MessageValidationError', () => new MessageValidationError('Job', [])],
      ['CircuitOpenError', () => new CircuitOpenError(500)],
      ['CancelledError', () => new CancelledError()],
    ])('never retries a %s', async (_name, make) => {
      await ThrowingAgent.register(runtime, 'thrower', () => new ThrowingAgent());
      runtime.start();
      const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('thrower', 'default'), ThrowingAgent);
      const error = make();
      agent.nextError = error;
      const outcome = await drive(clock, runtime.sendMessage(new Job(), new AgentId('thrower', 'default')));
      expect(!outcome.ok && outcome.error).toBe(error);
      await clock.advance(1_000);
      expect(agent.calls).toBe(1);
    });

    it('retries a TimeoutError from @timeout, each attempt getting its own limit', async () => {
      const timeouts = collect('timeout');
      const agent = await host(TimingOutAgent);
      const outcome = await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default')), { step: 1 });
      expect(outcome).toEqual({ ok: true, value: 'finally in time' });
      // attempt 1 at 0 times out at 100; +10 backoff; attempt 2 at 110 times out at 210; +20; attempt 3 at 230
      expect(agent.attempts.map((a) => [a.attempt, a.at])).toEqual([
        [1, 0],
        [2, 110],
        [3, 230],
      ]);
      expect(timeouts.map((t) => [t.side, t.attempt, t.timeoutMs, t.at])).toEqual([
        ['handler', 1, 100, 100],
        ['handler', 2, 100, 210],
      ]);
    });

    it('rejects with the last TimeoutError when every attempt times out', async () => {
      const agent = await host(TimingOutAgent);
      agent.hangs = Number.POSITIVE_INFINITY;
      const outcome = await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default')), { step: 1 });
      expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
      expect(agent.attempts).toHaveLength(3);
    });

    it('runs an always-failing handler exactly maxRetries + 1 times, for any maxRetries', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 50 }), async (maxRetries, baseDelay) => {
          const ownClock = new SimulatedClock();
          const own = new SingleThreadedAgentRuntime({ clock: ownClock });
          try {
            const AlwaysFailing = alwaysFailingWith({ maxRetries, baseDelay, jitter: 'none' });
            await own.registerFactory('failing', () => new AlwaysFailing(ownClock));
            own.start();
            const outcome = await drive(ownClock, own.sendMessage(new Job(), new AgentId('failing', 'default')));
            const agent = await own.tryGetUnderlyingAgentInstance(new AgentId('failing', 'default'), AlwaysFailing);
            expect(agent.attempts).toHaveLength(maxRetries + 1);
            expect(!outcome.ok && outcome.error).toBe(agent.errors.at(-1));
          } finally {
            await own.close();
          }
        }),
        { numRuns: 25 },
      );
    });

    it('spaces attempts by min(maxDelay, baseDelay·factor^(n−1)) for any options, without jitter', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 200 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 1_000 }),
          async (maxRetries, baseDelay, factor, maxDelay) => {
            const ownClock = new SimulatedClock();
            const own = new SingleThreadedAgentRuntime({ clock: ownClock });
            try {
              const AlwaysFailing = alwaysFailingWith({ maxRetries, baseDelay, factor, maxDelay, jitter: 'none' });
              await own.registerFactory('failing', () => new AlwaysFailing(ownClock));
              own.start();
              await drive(ownClock, own.sendMessage(new Job(), new AgentId('failing', 'default')), { step: 1 });
              const agent = await own.tryGetUnderlyingAgentInstance(new AgentId('failing', 'default'), AlwaysFailing);
              const gaps = agent.attempts.slice(1).map((a, i) => a.at - agent.attempts[i]!.at);
              const expected = gaps.map((_, i) => Math.min(maxDelay, baseDelay * factor ** i));
              expect(gaps).toEqual(expected);
            } finally {
              await own.close();
            }
          },
        ),
        { numRuns: 25 },
      );
    });
  });

  describe('@timeout', () => {
    it('rejects with TimeoutError carrying timeoutMs and elapsedMs, and aborts ctx.signal with it', async () => {
      await SlowAgent.register(runtime, 'slow', () => new SlowAgent());
      runtime.start();
      const reply = settle(runtime.sendMessage(new ContentMessage('slow'), new AgentId('slow', 'default'), { messageId: 'slow-1' }));
      await clock.advance(99);
      const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('slow', 'default'), SlowAgent);
      expect(agent.signals[0]!.aborted).toBe(false);
      await clock.advance(1);
      const outcome = await reply;
      const error = !outcome.ok && (outcome.error as TimeoutError);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error && [error.timeoutMs, error.elapsedMs, error.messageId, String(error.agentId)]).toEqual([100, 100, 'slow-1', 'slow/default']);
      expect(agent.signals[0]!.aborted).toBe(true);
      expect(agent.signals[0]!.reason).toBe(error);
    });

    it('ends the turn, so the agent’s next queued message runs', async () => {
      await SlowAgent.register(runtime, 'slow', () => new SlowAgent());
      runtime.start();
      const first = settle(runtime.sendMessage(new ContentMessage('slow'), new AgentId('slow', 'default')));
      const second = settle(runtime.sendMessage(new ContentMessage('fast'), new AgentId('slow', 'default')));
      await flushAll();
      const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('slow', 'default'), SlowAgent);
      expect(agent.started).toEqual(['slow']);
      await clock.advance(100);
      expect(((await first) as { error: unknown }).error).toBeInstanceOf(TimeoutError);
      expect(await second).toEqual({ ok: true, value: 'fast done' });
      expect(agent.started).toEqual(['slow', 'fast']);
    });

    it('reports the abandoned handler’s late return as a lateResult event, never as a response', async () => {
      const late = collect('lateResult');
      const responses = collect('response');
      await SlowAgent.register(runtime, 'slow', () => new SlowAgent());
      runtime.start();
      const first = settle(runtime.sendMessage(new ContentMessage('slow'), new AgentId('slow', 'default'), { messageId: 'slow-1' }));
      await clock.advance(100);
      const outcome = await first;
      const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('slow', 'default'), SlowAgent);
      agent.gates[0]!.resolve('too late');
      await flushAll();
      expect(late).toEqual([expect.objectContaining({ messageId: 'slow-1', outcome: 'value', value: 'too late' })]);
      expect(String(late[0]!.agentId)).toBe('slow/default');
      expect(responses).toEqual([]);
      expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
    });

    it('clears its timer when the handler answers in time', async () => {
      await SlowAgent.register(runtime, 'slow', () => new SlowAgent());
      runtime.start();
      expect(await runtime.sendMessage(new ContentMessage('quick'), new AgentId('slow', 'default'))).toBe('quick done');
      expect(clock.pendingTimers).toBe(0);
    });

    it('grows an adaptive limit after each timeout', async () => {
      const timeouts = collect('timeout');
      await AdaptiveAgent.register(runtime, 'adaptive', () => new AdaptiveAgent());
      runtime.start();
      const limits: number[] = [];
      for (let i = 0; i < 4; i++) {
        const outcome = await drive(clock, runtime.sendMessage(new Job(i), new AgentId('adaptive', 'default')), { step: 1 });
        const error = !outcome.ok && (outcome.error as TimeoutError);
        expect(error).toBeInstanceOf(TimeoutError);
        limits.push((error as TimeoutError).timeoutMs);
      }
      // initial 100, growth 2, max 1 000
      expect(limits).toEqual([100, 200, 400, 800]);
      expect(timeouts.map((t) => t.timeoutMs)).toEqual([100, 200, 400, 800]);
    });
  });

  describe('@circuitBreaker', () => {
    async function dependency(key = 'default'): Promise<Dependency> {
      return runtime.tryGetUnderlyingAgentInstance(new AgentId('dependency', key), Dependency);
    }

    async function send(key = 'default', type = 'dependency'): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
      return settle(runtime.sendMessage(new Job(), new AgentId(type, key)));
    }

    it('opens after failureThreshold failures, then rejects with CircuitOpenError without invoking the handler', async () => {
      await Dependency.register(runtime, 'dependency', () => new Dependency());
      runtime.start();
      for (let i = 0; i < 3; i++) expect(((await send()) as { error: unknown }).error).toBeInstanceOf(Boom);
      const agent = await dependency();
      expect(agent.calls).toBe(3);
      const outcome = await settle(runtime.sendMessage(new Job(), new AgentId('dependency', 'default'), { messageId: 'blocked-1' }));
      const error = !outcome.ok && (outcome.error as CircuitOpenError);
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect(agent.calls).toBe(3);
      expect((error as CircuitOpenError).retryAfter).toBeGreaterThan(0);
      expect((error as CircuitOpenError).retryAfter).toBeLessThanOrEqual(1_000);
      expect((error as CircuitOpenError).messageId).toBe('blocked-1');
      expect(String((error as CircuitOpenError).agentId)).toBe('dependency/default');
    });

    it('reports a retryAfter that shrinks as the recovery time passes', async () => {
      await Dependency.register(runtime, 'dependency', () => new Dependency());
      runtime.start();
      for (let i = 0; i < 3; i++) await send();
      const first = ((await send()) as { error: CircuitOpenError }).error;
      await clock.advance(400);
      const second = ((await send()) as { error: CircuitOpenError }).error;
      expect([first.retryAfter, second.retryAfter]).toEqual([1_000, 600]);
    });

    it('goes half-open after recoveryTimeout and closes when the trial succeeds', async () => {
      const transitions = collect('breaker');
      await Dependency.register(runtime, 'dependency', () => new Dependency());
      runtime.start();
      for (let i = 0; i < 3; i++) await send();
      const agent = await dependency();
      await clock.advance(999);
      expect(((await send()) as { error: unknown }).error).toBeInstanceOf(CircuitOpenError);
      await clock.advance(1);
      agent.behaviour = 'ok';
      expect(await send()).toEqual({ ok: true, value: 'ok' });
      expect(await send()).toEqual({ ok: true, value: 'ok' });
      expect(agent.calls).toBe(5);
      expect(transitions.map((t) => `${t.from}→${t.to}`)).toEqual(['closed→open', 'open→half-open', 'half-open→closed']);
      expect(transitions.every((t) => t.breaker === 'dependency.onJob')).toBe(true);
    });

    it('re-opens when the half-open trial fails, and needs a full recovery time again', async () => {
      const transitions = collect('breaker');
      await Dependency.register(runtime, 'dependency', () => new Dependency());
      runtime.start();
      for (let i = 0; i < 3; i++) await send();
      await clock.advance(1_000);
      expect(((await send()) as { error: unknown }).error).toBeInstanceOf(Boom);
      const agent = await dependency();
      expect(agent.calls).toBe(4);
      await clock.advance(500);
      expect(((await send()) as { error: unknown }).error).toBeInstanceOf(CircuitOpenError);
      await clock.advance(500);
      agent.behaviour = 'ok';
      expect(await send()).toEqual({ ok: true, value: 'ok' });
      expect(transitions.map((t) => `${t.from}→${t.to}`)).toEqual([
        'closed→open',
        'open→half-open',
        'half-open→open',
        'open→half-open',
        'half-open→closed',
      ]);
    });

    it('admits one trial call in half-open and rejects the others at once with retryAfter 0', async () => {
      await Dependency.register(runtime, 'dependency', () => new Dependency());
      runtime.start();
      for (let i = 0; i < 3; i++) await send('a');
      await clock.advance(1_000);
      const a = await dependency('a');
      const b = await dependency('b');
      a.behaviour = 'hold';
      b.behaviour = 'ok';
      const trial = settle(runtime.sendMessage(new Job(), new AgentId('dependency', 'a')));
      await flushAll();
      const other = await send('b');
      expect(other.ok).toBe(false);
      expect((other as { error: CircuitOpenError }).error).toBeInstanceOf(CircuitOpenError);
      expect((other as { error: CircuitOpenError }).error.retryAfter).toBe(0);
      expect(b.calls).toBe(0);
      a.held[0]!.resolve('trial ok');
      expect(await trial).toEqual({ ok: true, value: 'trial ok' });
      expect(await send('b')).toEqual({ ok: true, value: 'ok' });
    });

    it('is shared by every instance of the agent type by default', async () => {
      await Dependency.register(runtime, 'dependency', () => new Dependency());
      runtime.start();
      for (let i = 0; i < 3; i++) await send('a');
      const b = await dependency('b');
      b.behaviour = 'ok';
      expect(((await send('b')) as { error: unknown }).error).toBeInstanceOf(CircuitOpenError);
      expect(b.calls).toBe(0);
    });

    it('is separate for each instance with scope "instance"', async () => {
      const transitions = collect('breaker');
      await PerInstanceDependency.register(runtime, 'isolated', () => new PerInstanceDependency());
      runtime.start();
      for (let i = 0; i < 3; i++) await send('a', 'isolated');
      expect(((await send('a', 'isolated')) as { error: unknown }).error).toBeInstanceOf(CircuitOpenError);
      const b = await runtime.tryGetUnderlyingAgentInstance(new AgentId('isolated', 'b'), PerInstanceDependency);
      b.behaviour = 'ok';
      expect(await send('b', 'isolated')).toEqual({ ok: true, value: 'ok' });
      expect(b.calls).toBe(1);
      expect(transitions).toHaveLength(1);
      expect(transitions[0]!.breaker).toContain('isolated/a');
    });

    it('opens on the failure rate over a count window once minimumCalls is reached', async () => {
      await RateGuarded.register(runtime, 'rate', () => new RateGuarded());
      runtime.start();
      const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('rate', 'default'), RateGuarded);
      agent.outcomes = [true, false, true, false, true];
      const results: string[] = [];
      for (let i = 0; i < 5; i++) {
        const outcome = await send('default', 'rate');
        results.push(outcome.ok ? 'ok' : (outcome.error as Error).name);
      }
      expect(results).toEqual(['ok', 'Boom', 'ok', 'Boom', 'CircuitOpenError']);
      expect(agent.calls).toBe(4);
    });
    it('does not count calls the caller cancelled as failures', async () => {
      const transitions = collect('breaker');
      await CancellableGuarded.register(runtime, 'cancellable', () => new CancellableGuarded());
      runtime.start();
      for (let i = 0; i < 3; i++) {
        const controller = new AbortController();
        const reply = settle(runtime.sendMessage(new Job(), new AgentId('cancellable', 'default'), { signal: controller.signal }));
        await flushAll();
        controller.abort();
        expect(((await reply) as { error: unknown }).error).toBeInstanceOf(CancelledError);
        await flushAll();
      }
      const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('cancellable', 'default'), CancellableGuarded);
      expect(agent.calls).toBe(3);
      expect(transitions).toEqual([]);
    });

    it('keeps separate breakers in separate runtimes', async () => {
      await Dependency.register(runtime, 'dependency', () => new Dependency());
      runtime.start();
      for (let i = 0; i < 3; i++) await send();
      expect(((await send()) as { error: unknown }).error).toBeInstanceOf(CircuitOpenError);
      const other = new SingleThreadedAgentRuntime({ clock });
      try {
        await Dependency.register(other, 'dependency', () => new Dependency());
        other.start();
        const outcome = await settle(other.sendMessage(new Job(), new AgentId('dependency', 'default')));
        expect(!outcome.ok && outcome.error).toBeInstanceOf(Boom);
      } finally {
        await other.close();
      }
    });
  });

  describe('nesting', () => {
    it.each([
      ['above', RetryAboveBreaker],
      ['below', RetryBelowBreaker],
    ])('retries inside-out the same way with @retry written %s @circuitBreaker: the open breaker stops the retries', async (_where, agentClass) => {
      const retries = collect('retry');
      const agent = await host(agentClass as RecordingClass<Recording>);
      const outcome = await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default')), { step: 1 });
      expect(!outcome.ok && outcome.error).toBeInstanceOf(CircuitOpenError);
      expect(agent.attempts).toHaveLength(2);
      expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    });

    it.each([
      ['above', TimeoutAboveRetry],
      ['below', TimeoutBelowRetry],
    ])('applies @timeout to each attempt with @timeout written %s @retry', async (_where, agentClass) => {
      const agent = await host(agentClass as RecordingClass<Recording>);
      agent.failures = 1;
      const outcome = await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default')), { step: 1 });
      // attempt 1: 0–80 fails; backoff 50; attempt 2: 130–210 answers (a whole-request limit would fire at 100)
      expect(outcome).toEqual({ ok: true, value: 'ok after 2' });
      expect(agent.attempts.map((a) => a.at)).toEqual([80, 210]);
    });

    it.each([
      ['above', FallbackAboveRetry],
      ['below', FallbackBelowRetry],
    ])('falls back only after the retries run out with @fallback written %s @retry', async (_where, agentClass) => {
      const agent = await host(agentClass as RecordingClass<Recording>);
      const outcome = await drive(clock, runtime.sendMessage(new Job(7), new AgentId('worker', 'default'), { messageId: 'fb-1' }), { step: 1 });
      expect(outcome).toEqual({ ok: true, value: 'fallback answer' });
      expect(agent.attempts).toHaveLength(3);
      expect(fallbackCalls).toHaveLength(1);
      expect(fallbackCalls[0]!.error).toBe(agent.errors[2]);
      expect(fallbackCalls[0]!.message).toEqual(new Job(7));
      expect(fallbackCalls[0]!.messageId).toBe('fb-1');
    });
  });

  describe('@fallback', () => {
    it('answers for an open breaker without invoking the handler', async () => {
      const agent = await host(GuardedWithFallback);
      for (let i = 0; i < 2; i++) expect(await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default')))).toEqual({ ok: true, value: 'fallback answer' });
      expect(await drive(clock, runtime.sendMessage(new Job(), new AgentId('worker', 'default')))).toEqual({ ok: true, value: 'fallback answer' });
      expect(agent.attempts).toHaveLength(2);
      expect(fallbackCalls.map((c) => (c.error as Error).name)).toEqual(['Boom', 'Boom', 'CircuitOpenError']);
    });

    it('answers when @timeout fires, after aborting the handler’s signal', async () => {
      await TimeoutWithFallback.register(runtime, 'limited', () => new TimeoutWithFallback());
      runtime.start();
      const outcome = await drive(clock, runtime.sendMessage(new Job(), new AgentId('limited', 'default')), { step: 1 });
      expect(outcome).toEqual({ ok: true, value: 'fallback answer' });
      expect(fallbackCalls[0]!.error).toBeInstanceOf(TimeoutError);
      const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('limited', 'default'), TimeoutWithFallback);
      expect(agent.signals[0]!.aborted).toBe(true);
    });

    it('does not replace a cancellation by the caller', async () => {
      const agent = await host(SlowRetrying);
      const controller = new AbortController();
      const reply = settle(runtime.sendMessage(new Job(), new AgentId('worker', 'default'), { signal: controller.signal }));
      await clock.advance(10);
      controller.abort();
      const outcome = await reply;
      expect(!outcome.ok && outcome.error).toBeInstanceOf(CancelledError);
      expect(fallbackCalls).toEqual([]);
      expect(agent.attempts).toHaveLength(1);
    });
  });

  describe('backoff sleeps', () => {
    it('end at once with CancelledError when the caller aborts, and the handler is not called again', async () => {
      const agent = await host(SlowRetrying);
      const controller = new AbortController();
      let settledAt: number | undefined;
      const reply = settle(runtime.sendMessage(new Job(), new AgentId('worker', 'default'), { signal: controller.signal })).then((o) => {
        settledAt = clock.now();
        return o;
      });
      await clock.advance(10);
      expect(agent.attempts).toHaveLength(1);
      controller.abort();
      await flushAll();
      expect(settledAt).toBe(10);
      expect(((await reply) as { error: unknown }).error).toBeInstanceOf(CancelledError);
      await clock.advance(10_000);
      expect(agent.attempts).toHaveLength(1);
    });

    it('end with RuntimeStoppedError when the runtime stops, and the handler is not called again', async () => {
      const agent = await host(SlowRetrying);
      let settledAt: number | undefined;
      const reply = settle(runtime.sendMessage(new Job(), new AgentId('worker', 'default'))).then((o) => {
        settledAt = clock.now();
        return o;
      });
      await clock.advance(10);
      await runtime.stop();
      await flushAll();
      expect(settledAt).toBe(10);
      expect(((await reply) as { error: unknown }).error).toBeInstanceOf(RuntimeStoppedError);
      await clock.advance(10_000);
      expect(agent.attempts).toHaveLength(1);
      expect(fallbackCalls).toEqual([]);
    });
  });

  describe('published messages', () => {
    it('become exactly one dead letter after the retries run out, which replay() redelivers', async () => {
      const deadLetters = collect('deadLetter');
      const handlerErrors = collect('handlerError');
      const agent = await host(EventConsumer, 'consumer');
      await runtime.publishMessage(new Job(3), new DefaultTopicId());
      await clock.advance(1_000);
      expect(agent.attempts.map((a) => [a.attempt, a.at])).toEqual([
        [1, 0],
        [2, 100],
        [3, 300],
      ]);
      const records = runtime.deadLetters.list();
      expect(records).toHaveLength(1);
      const record = records[0]!;
      expect(record.attempts).toBe(3);
      expect(record.error).toBe(agent.errors[2]);
      expect(record.message).toEqual(new Job(3));
      expect(String(record.recipient)).toBe('consumer/default');
      expect(record.messageId).toBe(agent.attempts[0]!.messageId);
      expect(deadLetters).toEqual([record]);
      expect(handlerErrors).toHaveLength(1);
      expect(handlerErrors[0]!.error).toBe(agent.errors[2]);

      agent.failures = 0;
      const replayed = await drive(clock, runtime.deadLetters.replay(record.id));
      expect(replayed.ok).toBe(true);
      expect(agent.attempts).toHaveLength(4);
      expect(agent.attempts[3]!.messageId).toBe(record.messageId);
      expect(runtime.deadLetters.size).toBe(0);
    });

    it('evict the oldest dead letter at deadLetterCapacity, with a deadLetterEvicted event', async () => {
      await runtime.close();
      runtime = new SingleThreadedAgentRuntime({ clock, deadLetterCapacity: 1 });
      const evicted = collect('deadLetterEvicted');
      await host(EventConsumer, 'consumer');
      await runtime.publishMessage(new Job(1), new DefaultTopicId());
      await clock.advance(1_000);
      const [first] = runtime.deadLetters.list();
      await runtime.publishMessage(new Job(2), new DefaultTopicId());
      await clock.advance(1_000);
      expect(runtime.deadLetters.list().map((r) => r.message)).toEqual([new Job(2)]);
      expect(evicted).toEqual([{ record: first, capacity: 1 }]);
    });
  });
});

describe('runtime.handlerBreaker', () => {
  class Quoter extends RoutedAgent {
    calls = 0;

    @messageHandler()
    @circuitBreaker({ failureThreshold: 2, recoveryTimeout: 1_000 })
    quote(_message: MessageType): string {
      this.calls++;
      return 'ok';
    }
  }

  it('gives access to a handler breaker, so it can be isolated by hand and reset', async () => {
    const runtime = new SingleThreadedAgentRuntime({ clock: new SimulatedClock() });
    await Quoter.register(runtime, 'quoter', () => new Quoter());
    runtime.start();
    const id = new AgentId('quoter', 'default');
    expect(runtime.handlerBreaker('quoter', 'quote')).toBeUndefined(); // built on the first message
    await runtime.sendMessage(new MessageType(), id);
    const breaker = runtime.handlerBreaker('quoter', 'quote')!;
    const hold = breaker.isolate();
    await expect(runtime.sendMessage(new MessageType(), id)).rejects.toBeInstanceOf(CircuitOpenError);
    hold.dispose();
    await expect(runtime.sendMessage(new MessageType(), id)).resolves.toBe('ok');
    expect((await runtime.tryGetUnderlyingAgentInstance(id, Quoter)).calls).toBe(2);
    await runtime.stop();
  });

  it("fires the handler breaker's onSuccess for each call it admits, with its duration", async () => {
    const runtime = new SingleThreadedAgentRuntime({ clock: new SimulatedClock() });
    await Quoter.register(runtime, 'quoter', () => new Quoter());
    runtime.start();
    const id = new AgentId('quoter', 'default');
    await runtime.sendMessage(new MessageType(), id);
    const durations: number[] = [];
    runtime.handlerBreaker('quoter', 'quote')!.onSuccess(({ duration }) => durations.push(duration));
    await runtime.sendMessage(new MessageType(), id);
    await runtime.sendMessage(new MessageType(), id);
    expect(durations).toEqual([0, 0]);
    await runtime.stop();
  });
});
