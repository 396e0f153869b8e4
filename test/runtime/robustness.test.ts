import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CancelledError,
  DefaultTopicId,
  type MessageContext,
  RoutedAgent,
  RuntimeStoppedError,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  TimeoutPolicy,
  TopicId,
  TypeSubscription,
  bulkhead,
  messageHandler,
  retry,
  sleep,
} from '../../src/index.js';
import { flushAll, settle } from '../fixtures.js';

/** What an agent is asked to do. */
class Job {
  constructor(
    readonly kind: 'ok' | 'fail' | 'hang',
    /** With 'fail': the keys that fail (all when empty). */
    readonly failAt: readonly string[] = [],
  ) {}
}

class Worker extends RoutedAgent {
  @messageHandler()
  async handle(job: Job, ctx: MessageContext): Promise<string> {
    if (job.kind === 'fail' && (job.failAt.length === 0 || job.failAt.includes(this.id.key))) throw new Error(`fail at ${String(this.id)}`);
    if (job.kind === 'hang') return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
    return `ok from ${String(this.id)}`;
  }
}

class Flaky {}

class RetryingWorker extends RoutedAgent {
  @messageHandler()
  @retry({ maxRetries: 2, baseDelay: 10, jitter: 'none' })
  flaky(_message: Flaky, ctx: MessageContext): string {
    if (ctx.attempt === 1) throw new Error('first attempt fails');
    return `ok on attempt ${ctx.attempt}`;
  }
}

/**
 * Regressions found reviewing the one core: a misbehaving listener, a cancellation or a stop in every
 * phase of a request ends it once, with its own error, and leaves nothing armed or waiting.
 */
describe('robustness', () => {
  let clock: SimulatedClock;
  let runtime: SingleThreadedAgentRuntime;
  const worker = (key: string): AgentId => new AgentId('worker', key);

  beforeEach(async () => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock, trackRequests: true });
    await Worker.register(runtime, 'worker', () => new Worker());
    await RetryingWorker.register(runtime, 'retrying', () => new RetryingWorker());
    runtime.start();
  });

  afterEach(async () => {
    if (runtime.isRunning) await runtime.stop();
  });

  it('keeps every deadline on the clock working when a timeout listener throws', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      runtime.events.on('timeout', () => {
        throw new Error('buggy listener');
      });
      const first = settle(runtime.sendMessage(new Job('hang'), worker('a'), { timeout: 100 }));
      const second = settle(runtime.sendMessage(new Job('hang'), worker('b'), { timeout: 100 }));
      await clock.advance(100);
      runtime.events.removeAllListeners('timeout');
      const standalone = settle(new TimeoutPolicy(10, { clock }).execute(() => new Promise(() => undefined)));
      let slept = false;
      void sleep(clock, 5).then(() => (slept = true));
      await clock.advance(20);
      for (const outcome of [await first, await second, await standalone]) expect(!outcome.ok && outcome.error).toBeInstanceOf(TimeoutError);
      expect(slept).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(uncaught.map((e) => (e as Error).message)).toEqual(['buggy listener', 'buggy listener']);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('still retries, caller side and handler side, when a retry listener throws', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      runtime.events.on('retry', () => {
        throw new Error('buggy listener');
      });
      const callerSide = settle(runtime.sendMessage(new Job('fail', ['a']), worker('a'), { retry: { maxRetries: 1, baseDelay: 10, jitter: 'none' }, fallback: () => 'fallback' }));
      const handlerSide = settle(runtime.sendMessage(new Flaky(), new AgentId('retrying', 'x')));
      await clock.advance(50);
      expect(await callerSide).toEqual({ ok: true, value: 'fallback' });
      expect(await handlerSide).toEqual({ ok: true, value: 'ok on attempt 2' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(uncaught).toHaveLength(2);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('waits in stopWhenIdle for a request between its fallback recipients', async () => {
    const reply = settle(runtime.sendMessage(new Job('fail', ['a', 'b']), worker('a'), { fallback: [worker('b'), worker('c')] }));
    await runtime.stopWhenIdle();
    expect(await reply).toEqual({ ok: true, value: 'ok from worker/c' });
  });

  it('ends a nested request waiting in a caller-side backoff with RuntimeStoppedError on stop(), as stopped', async () => {
    const seen: unknown[] = [];
    class Parent extends RoutedAgent {
      @messageHandler(Flaky)
      async outer(_message: Flaky, ctx: MessageContext): Promise<unknown> {
        try {
          return await ctx.sendMessage(new Job('fail'), worker('w'), { messageId: 'child', retry: { maxRetries: 3, baseDelay: 100, jitter: 'none' } });
        } catch (error) {
          seen.push(error);
          throw error;
        }
      }
    }
    await Parent.register(runtime, 'parent', () => new Parent());
    const outer = settle(runtime.sendMessage(new Flaky(), new AgentId('parent', 'p')));
    await clock.advance(50); // the child waits in its backoff
    await runtime.stop();
    expect(!(await outer).ok).toBe(true);
    expect(seen[0]).toBeInstanceOf(RuntimeStoppedError);
    expect(runtime.requests.get('child')!.history.at(-1)!.detail).toBe('stopped');
  });

  it('refuses at once a request whose signal is already aborted, even when its bulkhead is full', async () => {
    const options = { bulkhead: { maxConcurrent: 1, maxQueued: 5 } };
    void settle(runtime.sendMessage(new Job('hang'), worker('a'), options));
    const controller = new AbortController();
    controller.abort();
    const late = await settle(runtime.sendMessage(new Job('ok'), worker('a'), { ...options, signal: controller.signal, messageId: 'late' }));
    expect(!late.ok && late.error).toBeInstanceOf(CancelledError);
    expect(runtime.requests.get('late')!.state).toBe('cancelled');
  });

  it('records a request cancelled, or stopped, while it waits in a caller-side bulkhead queue', async () => {
    const acks: string[] = [];
    runtime.events.on('ack', (ack) => acks.push(`${ack.messageId}:${ack.level}:${ack.reason ?? ''}`));
    const options = { bulkhead: { maxConcurrent: 1, maxQueued: 5 } };
    void settle(runtime.sendMessage(new Job('hang'), worker('a'), { ...options, messageId: 'holder' }));
    const controller = new AbortController();
    const cancelled = settle(runtime.sendMessage(new Job('ok'), worker('a'), { ...options, signal: controller.signal, messageId: 'queued' }));
    const stopped = settle(runtime.sendMessage(new Job('ok'), worker('a'), { ...options, messageId: 'stopped' }));
    await flushAll();
    controller.abort();
    expect(((await cancelled) as { error: unknown }).error).toBeInstanceOf(CancelledError);
    await runtime.stop();
    expect(((await stopped) as { error: unknown }).error).toBeInstanceOf(RuntimeStoppedError);
    expect(acks).toContain('queued:failed:cancelled');
    expect(acks).toContain('stopped:failed:stopped');
    expect([runtime.requests.get('queued')!.state, runtime.requests.get('stopped')!.state]).toEqual(['cancelled', 'cancelled']);
  });

  it('settles an onMessage override that awaits a decorated handler once the request is cancelled', async () => {
    const trace: string[] = [];
    class Wrapped extends RoutedAgent {
      override async onMessage(message: unknown, ctx: MessageContext): Promise<unknown> {
        try {
          return await super.onMessage(message, ctx);
        } finally {
          trace.push('finally');
        }
      }

      @messageHandler()
      @retry({ maxRetries: 1, baseDelay: 10 })
      work(_message: Job, ctx: MessageContext): Promise<string> {
        return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
      }
    }
    await Wrapped.register(runtime, 'wrapped', () => new Wrapped());
    const reply = settle(runtime.sendMessage(new Job('hang'), new AgentId('wrapped', 'x'), { timeout: 50 }));
    await clock.advance(60);
    expect(!(await reply).ok).toBe(true);
    await flushAll();
    expect(trace).toEqual(['finally']);
  });

  it('gives retried and bulkhead-queued handler attempts their agent as the DefaultTopicId source', async () => {
    const sources: string[] = [];
    let open!: () => void;
    class Reporter extends RoutedAgent {
      @messageHandler()
      @retry({ maxRetries: 1, baseDelay: 10, jitter: 'none' })
      @bulkhead({ maxConcurrent: 1, maxQueued: 5 })
      async go(job: Job, ctx: MessageContext): Promise<string> {
        sources.push(`${ctx.attempt}:${new DefaultTopicId().source}`);
        if (job.kind === 'fail' && ctx.attempt === 1) throw new Error('once');
        if (job.kind === 'hang') await new Promise<void>((resolve) => (open = resolve));
        return 'ok';
      }
    }
    await Reporter.register(runtime, 'reporter', () => new Reporter(), { concurrency: 5 });
    const retried = runtime.sendMessage(new Job('fail'), new AgentId('reporter', 'k1'));
    await clock.advance(20);
    await retried;
    const blocker = runtime.sendMessage(new Job('hang'), new AgentId('reporter', 'k2'));
    await flushAll();
    const queued = runtime.sendMessage(new Job('ok'), new AgentId('reporter', 'k3'));
    await flushAll();
    open();
    await Promise.all([blocker, queued]);
    expect(sources).toEqual(['1:k1', '2:k1', '1:k2', '1:k3']);
  });

  it.each(['send', 'ack', 'response', 'handlerError', 'requestEnd', 'publish', 'deadLetter', 'agentCreated'] as const)(
    'keeps requests, publishes and the agent going when a %s listener throws, reporting the error uncaught',
    async (name) => {
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown): void => void uncaught.push(error);
      process.on('uncaughtException', onUncaught);
      try {
        const throwing = (): void => {
          throw new Error(`buggy ${name} listener`);
        };
        const seen: string[] = [];
        runtime.events.on(name, throwing);
        runtime.events.on(name, () => seen.push(name)); // listeners after the throwing one still run
        const ok = settle(runtime.sendMessage(new Job('ok'), worker('a')));
        const failed = settle(runtime.sendMessage(new Job('fail'), worker('a')));
        await runtime.addSubscription(new TypeSubscription('jobs', 'worker'));
        await runtime.publishMessage(new Job('fail'), new TopicId('jobs', 'b'));
        await runtime.stopWhenIdle();
        expect(await ok).toEqual({ ok: true, value: 'ok from worker/a' });
        expect(!(await failed).ok).toBe(true);
        expect(runtime.deadLetters.list()).toHaveLength(1);
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(uncaught.length).toBeGreaterThan(0);
        expect(uncaught.length).toBe(seen.length);
        expect(runtime.events.listeners(name)).toContain(throwing);
        runtime.events.off(name, throwing);
        expect(runtime.events.listeners(name)).not.toContain(throwing);
      } finally {
        process.off('uncaughtException', onUncaught);
      }
    },
  );

  it('lets timers run while agents ping-pong forever with no I/O (the dispatcher yields to the event loop)', async () => {
    class Ball {
      constructor(readonly hits: number) {}
    }
    let hits = 0;
    class Player extends RoutedAgent {
      @messageHandler()
      async hit(ball: Ball): Promise<void> {
        hits = ball.hits;
        const other = new AgentId('player', this.id.key === 'a' ? 'b' : 'a');
        void this.publishMessage(new Ball(ball.hits + 1), new TopicId('table', other.key)).catch(() => undefined);
      }
    }
    await Player.register(runtime, 'player', () => new Player());
    await runtime.addSubscription(new TypeSubscription('table', 'player'));
    await runtime.publishMessage(new Ball(0), new TopicId('table', 'a'));
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5)); // a real timer must fire while the rally goes on
    const waited = performance.now() - started;
    await runtime.stop();
    expect(hits).toBeGreaterThan(100); // the rally was on (thousands of hits on an idle machine; fewer on a loaded one)
    expect(waited).toBeLessThan(250);
  });
});
