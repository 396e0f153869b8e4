/**
 * Scenario 6: failure paths, all in one interleaved `compare` call: a request whose handler fails
 * twice and succeeds on the third attempt under `@retry` (backoffs on a `SimulatedClock`, drained per
 * request), against the same handler succeeding at once; a request rejected by an open
 * `@circuitBreaker`, against a plain request; and the standalone `CircuitBreakerPolicy` while open
 * against cockatiel's isolated breaker and opossum's open breaker (all three build an error per
 * rejected call). No targets: these show what failures cost relative to the happy path.
 */
import {
  CircuitBreakerPolicy,
  type MessageContext,
  RetryPolicy,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  AgentId,
  circuitBreaker,
  messageHandler,
  retry,
} from '../src/index.js';
import { EchoAgent, Ping } from './agents.js';
import { awaitLoop, rejectingLoop } from './cases.js';
import { type Case, compare, statsFor } from './harness.js';
import { cockatielOpenBreaker } from './peers/cockatiel.js';
import { opossumOpenBreaker } from './peers/opossum.js';
import { group, record } from './report.js';

const ping = new Ping(1);
const failure = new Error('flaky');

/** Fails the first two attempts of every request, then answers; backoff 100 ms then 200 ms (simulated). */
class FlakyAgent extends RoutedAgent {
  @retry({ maxRetries: 3, baseDelay: 100, jitter: 'none' })
  @messageHandler()
  async onPing(message: Ping, ctx: MessageContext): Promise<number> {
    if (ctx.attempt < 3) throw failure;
    return message.n + 1;
  }
}

/** Same retry policy, never fails. */
class SteadyAgent extends RoutedAgent {
  @retry({ maxRetries: 3, baseDelay: 100, jitter: 'none' })
  @messageHandler()
  async onPing(message: Ping): Promise<number> {
    return message.n + 1;
  }
}

/** Always fails; the breaker opens after one failure and stays open. */
class BrokenAgent extends RoutedAgent {
  @circuitBreaker({ failureThreshold: 1, recoveryTimeout: 1e9 })
  @messageHandler()
  async onPing(_message: Ping): Promise<number> {
    throw failure;
  }
}

const OPEN = {
  agentwire: 'CircuitBreakerPolicy.execute while open',
  cockatiel: 'cockatiel breaker.execute while isolated',
  opossum: 'opossum fire() while open',
};
const R = {
  flaky: '@retry: 2 failures + 2 backoffs',
  steady: '@retry: success at once',
  open: '@circuitBreaker open: request rejected',
  plain: 'plain request',
};

const RETRY_SIM = 'RetryPolicy.execute, 2 failures + 2 backoffs (SimulatedClock)';
const RETRY_SIM_OK = 'RetryPolicy.execute, success (SimulatedClock)';

async function driveRetry(policy: RetryPolicy, clock: SimulatedClock, fail: boolean): Promise<void> {
  const p = policy.execute(({ attempt }) => {
    if (fail && attempt < 3) throw failure;
    return 1;
  });
  await clock.runAll();
  await p;
}

function standaloneCases(): { cases: Case[]; close: () => void } {
  const breaker = new CircuitBreakerPolicy({ failureThreshold: 1, recoveryTimeout: 1e9 });
  breaker.isolate();
  const cockatiel = cockatielOpenBreaker();
  const opossum = opossumOpenBreaker(async () => 1);
  const clock = new SimulatedClock();
  const retryPolicy = new RetryPolicy({ maxRetries: 3, baseDelay: 100, jitter: 'none', clock });
  const cases: Case[] = [
    rejectingLoop(OPEN.agentwire, () => breaker.execute(() => 1)),
    rejectingLoop(OPEN.cockatiel, () => cockatiel.execute(() => 1)),
    rejectingLoop(OPEN.opossum, () => opossum.fire()),
    awaitLoop(RETRY_SIM, () => driveRetry(retryPolicy, clock, true)),
    awaitLoop(RETRY_SIM_OK, () => driveRetry(retryPolicy, clock, false)),
  ];
  return { cases, close: () => opossum.shutdown() };
}

async function failingRuntime(): Promise<{ runtime: SingleThreadedAgentRuntime; cases: Case[] }> {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock });
  await FlakyAgent.register(runtime, 'flaky', () => new FlakyAgent());
  await SteadyAgent.register(runtime, 'steady', () => new SteadyAgent());
  await BrokenAgent.register(runtime, 'broken', () => new BrokenAgent());
  await EchoAgent.register(runtime, 'echo', () => new EchoAgent());
  runtime.start();
  const [flaky, steady, broken, echo] = ['flaky', 'steady', 'broken', 'echo'].map((type) => new AgentId(type, 'default')) as [AgentId, AgentId, AgentId, AgentId];
  await runtime.sendMessage(ping, broken).catch(() => undefined); // opens the breaker
  const drive = async (id: AgentId): Promise<void> => {
    const p = runtime.sendMessage(ping, id);
    await clock.runAll();
    await p;
  };
  const cases = [
    awaitLoop(R.flaky, () => drive(flaky)),
    awaitLoop(R.steady, () => drive(steady)),
    rejectingLoop(R.open, () => runtime.sendMessage(ping, broken)),
    awaitLoop(R.plain, () => runtime.sendMessage(ping, echo)),
  ];
  return { runtime, cases };
}

/** Scenario 6: failure paths. */
export async function failurePaths(): Promise<void> {
  group('6. failure paths (ns per request or call)');
  const { runtime, cases } = await failingRuntime();
  const standalone = standaloneCases();
  const same = await compare([...cases, ...standalone.cases]);
  await runtime.stop();
  standalone.close();
  record({ scenario: `${R.flaky} (SimulatedClock drained per request)`, agentwire: statsFor(same, R.flaky), baseline: { name: 'success at once', value: statsFor(same, R.steady) } });
  record({ scenario: R.open, agentwire: statsFor(same, R.open), baseline: { name: R.plain, value: statsFor(same, R.plain) } });
  record({ scenario: `${OPEN.agentwire} vs cockatiel`, agentwire: statsFor(same, OPEN.agentwire), baseline: { name: OPEN.cockatiel, value: statsFor(same, OPEN.cockatiel) }, better: 'cheaper' });
  record({ scenario: `${OPEN.agentwire} vs opossum`, agentwire: statsFor(same, OPEN.agentwire), baseline: { name: OPEN.opossum, value: statsFor(same, OPEN.opossum) }, better: 'cheaper' });
  record({ scenario: RETRY_SIM, agentwire: statsFor(same, RETRY_SIM), baseline: { name: 'success', value: statsFor(same, RETRY_SIM_OK) } });
}
