import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentId,
  CircuitOpenError,
  type Jitter,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  circuitBreaker,
  messageHandler,
  retry,
} from '../../src/index.js';
import { collectEvents, drive, seededRandom, settle, sleepOn } from '../fixtures.js';

// The scenarios of seeds/000_0676eb313de30d9f.txt ("Timeouts, retries and circuit breakers"), on
// simulated time: the seconds of the seed are milliseconds here, multiplied by 1 000.

class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

class ResearchTask {
  constructor(readonly topic: string) {}
}

const runtimes: SingleThreadedAgentRuntime[] = [];

/** A started runtime on a fresh simulated clock, closed after the test. */
function simulatedRuntime(): { clock: SimulatedClock; runtime: SingleThreadedAgentRuntime } {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock });
  runtimes.push(runtime);
  return { clock, runtime };
}

afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.close();
});

/** "Simulates an agent that fails twice then succeeds" (seed: flaky_agent_call). */
class FlakyAgent extends RoutedAgent {
  calls = 0;
  startedAt: number[] = [];

  constructor(private readonly clock: SimulatedClock) {
    super('Fails twice, then succeeds');
  }

  @messageHandler()
  @retry({ maxRetries: 4, baseDelay: 100, jitter: 'none' })
  research(_task: ResearchTask): { status: string; data: string } {
    this.calls++;
    this.startedAt.push(this.clock.now());
    if (this.calls <= 2) throw new ConnectionError(`Agent unreachable (attempt ${this.calls})`);
    return { status: 'success', data: 'Analysis complete' };
  }
}

describe('seed: exponential backoff on a flaky agent', () => {
  it('retries twice with 100 ms then 200 ms and succeeds on attempt 3', async () => {
    const { clock, runtime } = simulatedRuntime();
    await FlakyAgent.register(runtime, 'flaky', () => new FlakyAgent(clock));
    runtime.start();
    const transcript: string[] = [];
    runtime.events.on('retry', (r) => {
      transcript.push(`Attempt ${r.attempt} failed: ${(r.error as Error).message}`, `   Retrying in ${r.delayMs} ms...`);
    });
    const outcome = await drive(clock, runtime.sendMessage(new ResearchTask('AI'), new AgentId('flaky', 'default')), { step: 1 });
    const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('flaky', 'default'), FlakyAgent);
    transcript.push(`research_task succeeded on attempt ${agent.calls}`);

    expect(outcome).toEqual({ ok: true, value: { status: 'success', data: 'Analysis complete' } });
    expect(transcript).toEqual([
      'Attempt 1 failed: Agent unreachable (attempt 1)',
      '   Retrying in 100 ms...',
      'Attempt 2 failed: Agent unreachable (attempt 2)',
      '   Retrying in 200 ms...',
      'research_task succeeded on attempt 3',
    ]);
    expect(agent.startedAt).toEqual([0, 100, 300]);
  });
});

/** The random source of the herd agents below; each test reseeds it. */
let herdRandom: () => number = Math.random;

/** Fails its first four attempts (a shared dependency is down), then succeeds. */
abstract class HerdMember extends RoutedAgent {
  startedAt: number[] = [];

  constructor(private readonly clock: SimulatedClock) {
    super('One of a herd retrying against a shared dependency');
  }

  protected attempt(ctx: MessageContext): string {
    this.startedAt.push(this.clock.now());
    if (ctx.attempt <= 4) throw new ConnectionError('dependency down');
    return 'recovered';
  }
}

class NoJitterMember extends HerdMember {
  @messageHandler()
  @retry({ maxRetries: 4, baseDelay: 1_000, jitter: 'none' })
  research(_task: ResearchTask, ctx: MessageContext): string {
    return this.attempt(ctx);
  }
}

class FullJitterMember extends HerdMember {
  @messageHandler()
  @retry({ maxRetries: 4, baseDelay: 1_000, jitter: 'full', random: () => herdRandom() })
  research(_task: ResearchTask, ctx: MessageContext): string {
    return this.attempt(ctx);
  }
}

/** The seed's own formula: delay · (0.5 + random · 0.5), i.e. AWS "equal" jitter. */
class EqualJitterMember extends HerdMember {
  @messageHandler()
  @retry({ maxRetries: 4, baseDelay: 1_000, jitter: 'equal', random: () => herdRandom() })
  research(_task: ResearchTask, ctx: MessageContext): string {
    return this.attempt(ctx);
  }
}

const HERD: Record<Exclude<Jitter, 'decorrelated'>, typeof NoJitterMember> = {
  none: NoJitterMember,
  full: FullJitterMember,
  equal: EqualJitterMember,
};

interface HerdRun {
  /** Retry delays per agent, in order. */
  readonly delays: Record<string, number[]>;
  /** When each agent's attempts started. */
  readonly startedAt: Record<string, number[]>;
}

/** Agents A, B and C hit the same outage at the same moment and retry with the given jitter. */
async function runHerd(jitter: keyof typeof HERD, seed: number): Promise<HerdRun> {
  herdRandom = seededRandom(seed);
  const { clock, runtime } = simulatedRuntime();
  const member = HERD[jitter];
  await member.register(runtime, 'herd', () => new member(clock));
  runtime.start();
  const retries = collectEvents(runtime, 'retry');
  const keys = ['A', 'B', 'C'];
  const replies = keys.map((key) => runtime.sendMessage(new ResearchTask('outage'), new AgentId('herd', key)));
  const outcomes = await drive(clock, Promise.all(replies), { step: 5 });
  expect(outcomes).toEqual({ ok: true, value: ['recovered', 'recovered', 'recovered'] });
  const delays: Record<string, number[]> = {};
  const startedAt: Record<string, number[]> = {};
  for (const key of keys) {
    delays[key] = retries.filter((r) => r.agentId.key === key).map((r) => r.delayMs);
    startedAt[key] = (await runtime.tryGetUnderlyingAgentInstance(new AgentId('herd', key), member)).startedAt;
  }
  return { delays, startedAt };
}

const UNJITTERED = [1_000, 2_000, 4_000, 8_000];

describe('seed: why jitter matters (thundering herd)', () => {
  it('without jitter, every agent retries at the identical instants', async () => {
    const run = await runHerd('none', 42);
    expect(run.delays).toEqual({ A: UNJITTERED, B: UNJITTERED, C: UNJITTERED });
    expect(run.startedAt.A).toEqual([0, 1_000, 3_000, 7_000, 15_000]);
    expect(run.startedAt.B).toEqual(run.startedAt.A);
    expect(run.startedAt.C).toEqual(run.startedAt.A);
  });

  it('with full jitter, the agents spread their retries over [0, delay]', async () => {
    const run = await runHerd('full', 42);
    for (const delays of Object.values(run.delays)) {
      expect(delays).toHaveLength(4);
      delays.forEach((d, i) => {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(UNJITTERED[i]!);
      });
    }
    expect(run.delays.A).not.toEqual(run.delays.B);
    expect(run.delays.B).not.toEqual(run.delays.C);
    const retryInstants = new Set(Object.values(run.startedAt).flatMap((times) => times.slice(1)));
    expect(retryInstants.size).toBe(12); // no two of the 12 retries land together (vs 4 distinct instants without jitter)
  });

  it('with the seed’s equal jitter, each delay stays within [delay/2, delay]', async () => {
    const run = await runHerd('equal', 42);
    for (const delays of Object.values(run.delays)) {
      delays.forEach((d, i) => {
        expect(d).toBeGreaterThanOrEqual(UNJITTERED[i]! / 2);
        expect(d).toBeLessThanOrEqual(UNJITTERED[i]!);
      });
    }
    expect(new Set(Object.values(run.startedAt).flatMap((times) => times.slice(1))).size).toBe(12);
  });

  it('draws the same delays again from the same seed', async () => {
    const first = await runHerd('full', 7);
    const second = await runHerd('full', 7);
    const other = await runHerd('full', 8);
    expect(second).toEqual(first);
    expect(other.delays).not.toEqual(first.delays);
  });
});

/** "Agent down" for its first four calls, then "recovered!" (seed: failing_then_recovering). */
class RecoveringAgent extends RoutedAgent {
  calls = 0;

  @messageHandler()
  @circuitBreaker({ failureThreshold: 3, recoveryTimeout: 1_000 })
  research(_task: ResearchTask): string {
    this.calls++;
    if (this.calls <= 4) throw new ConnectionError(`Agent down (attempt ${this.calls})`);
    return 'recovered!';
  }
}

describe('seed: circuit breaker pattern', () => {
  it('goes closed → open → half-open → closed against an agent that recovers, calls every 400 ms', async () => {
    const { clock, runtime } = simulatedRuntime();
    await RecoveringAgent.register(runtime, 'recovering', () => new RecoveringAgent());
    runtime.start();
    const transitions: string[] = [];
    runtime.events.on('breaker', (b) => transitions.push(`${b.at} ms: ${b.from} → ${b.to}`));
    const transcript: string[] = [];
    for (let call = 1; call <= 10; call++) {
      const outcome = await settle(runtime.sendMessage(new ResearchTask('AI'), new AgentId('recovering', 'default')));
      if (outcome.ok) transcript.push(`Call ${call}: ✅ ${String(outcome.value)}`);
      else if (outcome.error instanceof CircuitOpenError) transcript.push(`Call ${call}: 🔴 open, retry after ${outcome.error.retryAfter} ms`);
      else transcript.push(`Call ${call}: ⚠️ ${(outcome.error as Error).message}`);
      await clock.advance(400);
    }
    const agent = await runtime.tryGetUnderlyingAgentInstance(new AgentId('recovering', 'default'), RecoveringAgent);

    expect(transcript).toEqual([
      'Call 1: ⚠️ Agent down (attempt 1)',
      'Call 2: ⚠️ Agent down (attempt 2)',
      'Call 3: ⚠️ Agent down (attempt 3)',
      'Call 4: 🔴 open, retry after 600 ms',
      'Call 5: 🔴 open, retry after 200 ms',
      'Call 6: ⚠️ Agent down (attempt 4)',
      'Call 7: 🔴 open, retry after 600 ms',
      'Call 8: 🔴 open, retry after 200 ms',
      'Call 9: ✅ recovered!',
      'Call 10: ✅ recovered!',
    ]);
    expect(transitions).toEqual([
      '800 ms: closed → open',
      '2000 ms: open → half-open',
      '2000 ms: half-open → open',
      '3200 ms: open → half-open',
      '3200 ms: half-open → closed',
    ]);
    expect(agent.calls).toBe(6);
  });
});

class WorkRequest {
  constructor(readonly n: number) {}
}

/** "The simulated agent should fail randomly ~40% of the time": 10 % hang past the timeout, 30 % throw. */
class UnreliableAgent extends RoutedAgent {
  constructor(private readonly random: () => number) {
    super('Fails about 40 % of the time');
  }

  @messageHandler()
  handle(message: WorkRequest, ctx: MessageContext): string | Promise<string> {
    const roll = this.random();
    if (roll < 0.1) return new Promise<string>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
    if (roll < 0.4) throw new ConnectionError('Agent unavailable');
    return `result ${message.n}`;
  }
}

interface Summary {
  readonly total: number;
  readonly success: number;
  readonly failed: number;
  readonly circuitBlocked: number;
}

interface RobustRun {
  readonly summary: Summary;
  readonly log: readonly string[];
  readonly breakerChanges: readonly string[];
  readonly deliveriesPerRequest: readonly number[];
}

/**
 * The seed's RobustClient on agentwire's caller-side policies: max 3 retries, 0.5 s base delay,
 * 2 s timeout per attempt, a breaker after 5 failures (0.5 s recovery, as in the seed’s main), 15 sequential requests
 * 100 ms apart. A request rejected by the open breaker before any delivery is "circuit-blocked".
 */
class RobustClient {
  readonly stats = { total: 0, success: 0, failed: 0, circuitBlocked: 0 };
  readonly log: string[] = [];
  readonly deliveriesPerRequest: number[] = [];
  private readonly sends: { messageId: string }[];

  constructor(
    private readonly runtime: SingleThreadedAgentRuntime,
    private readonly recipient: AgentId,
  ) {
    this.sends = collectEvents(runtime, 'send');
  }

  async call(n: number): Promise<void> {
    this.stats.total++;
    const messageId = `request-${n}`;
    try {
      await this.runtime.sendMessage(new WorkRequest(n), this.recipient, {
        messageId,
        timeout: 2_000,
        retry: { maxRetries: 3, baseDelay: 500, jitter: 'none' },
        circuitBreaker: { failureThreshold: 5, recoveryTimeout: 500 },
      });
      const attempts = this.deliveries(messageId);
      this.stats.success++;
      this.log.push(`Request ${n}: ✅ Success${attempts > 1 ? ` (attempt ${attempts}, retried ${attempts - 1}x)` : ''}`);
    } catch (error) {
      const attempts = this.deliveries(messageId);
      if (error instanceof CircuitOpenError && attempts === 0) {
        this.stats.circuitBlocked++;
        this.log.push(`Request ${n}: 🔴 Circuit OPEN — skipped`);
      } else {
        this.stats.failed++;
        this.log.push(`Request ${n}: ❌ Failed after ${attempts} attempts (${(error as Error).name})`);
      }
    }
  }

  private deliveries(messageId: string): number {
    const count = this.sends.filter((s) => s.messageId === messageId).length;
    this.deliveriesPerRequest.push(count);
    return count;
  }
}

async function runRobustClient(seed: number): Promise<RobustRun> {
  const { clock, runtime } = simulatedRuntime();
  const random = seededRandom(seed);
  await UnreliableAgent.register(runtime, 'unreliable', () => new UnreliableAgent(random));
  runtime.start();
  const breakerChanges: string[] = [];
  runtime.events.on('breaker', (b) => breakerChanges.push(`${b.from}→${b.to}`));
  const client = new RobustClient(runtime, new AgentId('unreliable', 'default'));
  const session = (async () => {
    for (let n = 1; n <= 15; n++) {
      await client.call(n);
      await sleepOn(clock, 100);
    }
  })();
  const outcome = await drive(clock, session, { step: 50 });
  expect(outcome.ok).toBe(true);
  return { summary: { ...client.stats }, log: client.log, breakerChanges, deliveriesPerRequest: client.deliveriesPerRequest };
}

/** A seed whose run opens the breaker at least once (checked below, so a change in draws is noticed). */
const BREAKER_SEED = 29;

describe('seed: hands-on exercise (RobustClient)', () => {
  it.each([42, BREAKER_SEED, 2, 13])('produces a summary whose counts add up to the 15 requests (seed %i)', async (seed) => {
    const { summary, log } = await runRobustClient(seed);
    expect(summary.total).toBe(15);
    expect(summary.success + summary.failed + summary.circuitBlocked).toBe(15);
    expect(log).toHaveLength(15);
    expect(log.filter((line) => line.includes('✅'))).toHaveLength(summary.success);
    expect(log.filter((line) => line.includes('❌'))).toHaveLength(summary.failed);
    expect(log.filter((line) => line.includes('🔴'))).toHaveLength(summary.circuitBlocked);
  });

  it('makes at most maxRetries + 1 deliveries per request, and none for a circuit-blocked one', async () => {
    for (const seed of [42, BREAKER_SEED]) {
      const { log, deliveriesPerRequest } = await runRobustClient(seed);
      expect(deliveriesPerRequest.every((n) => n >= 0 && n <= 4)).toBe(true);
      log.forEach((line, i) => {
        if (line.includes('Circuit OPEN')) expect(deliveriesPerRequest[i]).toBe(0);
        else expect(deliveriesPerRequest[i]).toBeGreaterThan(0);
      });
    }
  });

  it('opens the breaker after 5 failures, blocks requests, and recovers through half-open', async () => {
    const { summary, breakerChanges, log } = await runRobustClient(BREAKER_SEED);
    expect(breakerChanges[0]).toBe('closed→open');
    expect(breakerChanges).toContain('open→half-open');
    expect(breakerChanges.at(-1)).toBe('half-open→closed');
    expect(summary.circuitBlocked).toBeGreaterThan(0);
    expect(summary.success + summary.failed + summary.circuitBlocked).toBe(15);
    // every transition starts where the previous one ended
    breakerChanges.slice(1).forEach((change, i) => expect(change.split('→')[0]).toBe(breakerChanges[i]!.split('→')[1]));
    expect(log.some((line) => line.includes('Circuit OPEN'))).toBe(true);
    // the seed's expected output reads 9 / 4 / 2; this seed's draws give the same shape
    expect(summary).toEqual({ total: 15, success: 9, failed: 2, circuitBlocked: 4 });
  });

  it('gives identical summaries, logs and breaker histories for two runs with the same seed', async () => {
    const first = await runRobustClient(42);
    const second = await runRobustClient(42);
    expect(second).toEqual(first);
    const third = await runRobustClient(BREAKER_SEED);
    const fourth = await runRobustClient(BREAKER_SEED);
    expect(fourth).toEqual(third);
  });
});
