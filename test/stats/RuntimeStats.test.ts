import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  type MessageContext,
  RoutedAgent,
  RuntimeStats,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TopicId,
  circuitBreaker,
  defaultSubscription,
  messageHandler,
  retry,
  timeout,
} from '../../src/index.js';
import { drive, settle, sleepOn } from '../fixtures.js';

/** Work that takes `ms` of clock time, then answers or fails. */
class Work {
  constructor(
    readonly ms: number,
    readonly fail = false,
  ) {}
}

class Worker extends RoutedAgent {
  constructor(private readonly clock: SimulatedClock) {
    super('Works for a while');
  }

  @messageHandler()
  async onWork(work: Work): Promise<string> {
    await sleepOn(this.clock, work.ms);
    if (work.fail) throw new Error('worker failed');
    return 'done';
  }
}

/** Attempt 1 hangs past its 50 ms limit, attempt 2 fails, attempt 3 answers. */
class Flaky extends RoutedAgent {
  @messageHandler()
  @retry({ maxRetries: 3, baseDelay: 100, jitter: 'none' })
  @timeout(50)
  onWork(_work: Work, ctx: MessageContext): Promise<string> | string {
    if (ctx.attempt === 1) return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
    if (ctx.attempt === 2) throw new Error('flaky');
    return 'finally';
  }
}

/** Its dependency is down: every call fails; two failures open its breaker for a second. */
class Guarded extends RoutedAgent {
  @messageHandler()
  @circuitBreaker({ failureThreshold: 2, recoveryTimeout: 1_000 })
  onWork(_work: Work): never {
    throw new Error('dependency down');
  }
}

@defaultSubscription()
class FailingListener extends RoutedAgent {
  @messageHandler()
  onWork(_work: Work): never {
    throw new Error('listener failed');
  }
}

describe('RuntimeStats', () => {
  let runtime: SingleThreadedAgentRuntime;
  let clock: SimulatedClock;
  afterEach(async () => {
    if (runtime.isRunning) await runtime.stop();
  });

  async function started(): Promise<RuntimeStats> {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await Worker.register(runtime, 'worker', () => new Worker(clock));
    await Flaky.register(runtime, 'flaky', () => new Flaky());
    await Guarded.register(runtime, 'guarded', () => new Guarded());
    await FailingListener.register(runtime, 'listener', () => new FailingListener());
    const stats = new RuntimeStats(runtime);
    runtime.start();
    return stats;
  }

  it('counts requests and successes per agent type, with latency percentiles on the runtime clock', async () => {
    const stats = await started();
    // ten requests to ten workers, taking 10, 20, …, 100 ms
    const replies = Array.from({ length: 10 }, (_, i) => runtime.sendMessage(new Work((i + 1) * 10), new AgentId('worker', `w${i}`)));
    await drive(clock, Promise.all(replies));
    const worker = stats.snapshot().agentTypes.worker!;
    expect(worker).toMatchObject({ requests: 10, successes: 10, failures: 0, failuresByReason: {}, retries: 0, timeouts: 0, breakerOpens: 0, deadLetters: 0 });
    expect(worker.latency).toMatchObject({ count: 10, mean: 55, min: 10, max: 100 });
    expect(worker.latency.p50).toBeGreaterThanOrEqual(50 * 0.99);
    expect(worker.latency.p50).toBeLessThanOrEqual(50 * 1.01);
    expect(Math.abs(worker.latency.p90 - 90) / 90).toBeLessThanOrEqual(0.01);
    expect(Math.abs(worker.latency.p99 - 100) / 100).toBeLessThanOrEqual(0.01);
  });

  it('counts failures by reason, refused requests included (counted, not timed)', async () => {
    const stats = await started();
    await drive(clock, runtime.sendMessage(new Work(10, true), new AgentId('worker', 'a')));
    await drive(clock, runtime.sendMessage(new Work(500), new AgentId('worker', 'b'), { timeout: 200 }));
    await settle(runtime.sendMessage(new Work(10), new AgentId('ghost', 'default')));
    const { agentTypes, total } = stats.snapshot();
    expect(agentTypes.worker).toMatchObject({ requests: 2, successes: 0, failures: 2, failuresByReason: { error: 1, timeout: 1 }, timeouts: 1 });
    expect(agentTypes.worker!.latency).toMatchObject({ count: 2, min: 10, max: 200 });
    expect(agentTypes.ghost).toMatchObject({ requests: 1, failures: 1, failuresByReason: { undeliverable: 1 } });
    expect(agentTypes.ghost!.latency.count).toBe(0);
    expect(total).toMatchObject({ requests: 3, failures: 3, failuresByReason: { error: 1, timeout: 1, undeliverable: 1 } });
  });

  it('counts a handler’s retries and timeouts for its agent type and for its policy, and times the whole request', async () => {
    const stats = await started();
    const outcome = await drive(clock, runtime.sendMessage(new Work(0), new AgentId('flaky', 'default')), { step: 1 });
    expect(outcome).toEqual({ ok: true, value: 'finally' });
    const { agentTypes, policies } = stats.snapshot();
    expect(agentTypes.flaky).toMatchObject({ requests: 1, successes: 1, failures: 0, retries: 2, timeouts: 1 });
    // 50 ms timed out, 100 ms backoff, attempt 2 fails at once, 200 ms backoff, attempt 3 answers
    expect(agentTypes.flaky!.latency).toMatchObject({ count: 1, min: 350, max: 350 });
    expect(policies['flaky.onWork']).toEqual({ side: 'handler', agentType: 'flaky', method: 'onWork', retries: 2, timeouts: 1 });
  });

  it('counts a request once however often caller-side retries resend it, and names the caller-side policy by recipient', async () => {
    const stats = await started();
    const retryOptions = { maxRetries: 2, baseDelay: 10, jitter: 'none' } as const;
    await drive(clock, runtime.sendMessage(new Work(5, true), new AgentId('worker', 'a'), { retry: retryOptions }));
    const { agentTypes, policies } = stats.snapshot();
    expect(agentTypes.worker).toMatchObject({ requests: 1, failures: 1, failuresByReason: { error: 1 }, retries: 2 });
    // 5 ms, 10 ms backoff, 5 ms, 20 ms backoff, 5 ms
    expect(agentTypes.worker!.latency.max).toBe(45);
    expect(policies['worker/a']).toEqual({ side: 'caller', agentType: 'worker', method: undefined, retries: 2, timeouts: 0 });
  });

  it('counts breaker opens and follows the breaker through half-open', async () => {
    const stats = await started();
    const guarded = new AgentId('guarded', 'default');
    for (let i = 0; i < 3; i++) await settle(runtime.sendMessage(new Work(0), guarded));
    let snapshot = stats.snapshot();
    expect(snapshot.agentTypes.guarded).toMatchObject({ requests: 3, failures: 3, failuresByReason: { error: 2, 'circuit-open': 1 }, breakerOpens: 1 });
    expect(snapshot.policies['guarded.onWork']!.breaker).toEqual({ state: 'open', opens: 1, halfOpens: 0, closes: 0, changedAt: 0 });
    await clock.advance(1_000);
    await settle(runtime.sendMessage(new Work(0), guarded)); // the trial call fails: open again
    snapshot = stats.snapshot();
    expect(snapshot.agentTypes.guarded!.breakerOpens).toBe(2);
    expect(snapshot.policies['guarded.onWork']!.breaker).toEqual({ state: 'open', opens: 2, halfOpens: 1, closes: 0, changedAt: 1_000 });
  });

  it('counts dead letters by the recipient’s agent type', async () => {
    const stats = await started();
    await runtime.publishMessage(new Work(0), new TopicId('default', 'default'));
    await runtime.stopWhenIdle();
    expect(stats.snapshot().agentTypes.listener).toMatchObject({ requests: 0, deadLetters: 1 });
    expect(stats.snapshot().total.deadLetters).toBe(1);
  });

  it('stamps a snapshot with when counting began and when it was taken', async () => {
    const stats = await started();
    await clock.advance(250);
    expect(stats.snapshot()).toMatchObject({ since: 0, at: 250 });
    expect(JSON.parse(JSON.stringify(stats.snapshot()))).toEqual(stats.snapshot());
  });

  it('stops counting once disposed, leaving no listener behind', async () => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    const before = runtime.events.eventNames().map((name) => [name, runtime.events.listenerCount(name)]);
    await Worker.register(runtime, 'worker', () => new Worker(clock));
    const stats = new RuntimeStats(runtime);
    runtime.start();
    await drive(clock, runtime.sendMessage(new Work(1), new AgentId('worker', 'a')));
    stats.dispose();
    await drive(clock, runtime.sendMessage(new Work(1), new AgentId('worker', 'a')));
    expect(stats.snapshot().total.requests).toBe(1);
    expect(runtime.events.eventNames().map((name) => [name, runtime.events.listenerCount(name)])).toEqual(before);
  });

  it('counts agent types past maxEntries in the total only', async () => {
    clock = new SimulatedClock();
    runtime = new SingleThreadedAgentRuntime({ clock });
    await Worker.register(runtime, 'worker', () => new Worker(clock));
    await Worker.register(runtime, 'other', () => new Worker(clock));
    const stats = new RuntimeStats(runtime, { maxEntries: 1 });
    runtime.start();
    await drive(clock, runtime.sendMessage(new Work(1), new AgentId('worker', 'a')));
    await drive(clock, runtime.sendMessage(new Work(1), new AgentId('other', 'a')));
    const snapshot = stats.snapshot();
    expect(Object.keys(snapshot.agentTypes)).toEqual(['worker']);
    expect(snapshot.total.requests).toBe(2);
  });
});
