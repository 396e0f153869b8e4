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
import { type Case, compare, group, record } from './harness.js';
import { cockatielOpenBreaker } from './peers/cockatiel.js';
import { opossumOpenBreaker } from './peers/opossum.js';
import { pristine, pristineOf } from './pristine.js';

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

function rejectingCase(name: string, call: () => Promise<unknown>): Case {
  return {
    name,
    async run(n) {
      for (let i = 0; i < n; i++) {
        try {
          await call();
        } catch {
          // expected: the breaker is open
        }
      }
    },
  };
}

const OPEN = {
  agentwire: 'CircuitBreakerPolicy.execute while open',
  cockatiel: 'cockatiel breaker.execute while isolated',
  opossum: 'opossum fire() while open',
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

/** Scenario 5 standalone comparisons, before agentwire runs a message. */
export async function failureBaselines(): Promise<void> {
  const breaker = new CircuitBreakerPolicy({ failureThreshold: 1, recoveryTimeout: 1e9 });
  breaker.isolate();
  const cockatiel = cockatielOpenBreaker();
  const opossum = opossumOpenBreaker(async () => 1);
  const clock = new SimulatedClock();
  const retryPolicy = new RetryPolicy({ maxRetries: 3, baseDelay: 100, jitter: 'none', clock });
  const cases: Case[] = [
    rejectingCase(OPEN.agentwire, () => breaker.execute(() => 1)),
    rejectingCase(OPEN.cockatiel, () => cockatiel.execute(() => 1)),
    rejectingCase(OPEN.opossum, () => opossum.fire()),
    { name: RETRY_SIM, run: async (n) => { for (let i = 0; i < n; i++) await driveRetry(retryPolicy, clock, true); } },
    { name: RETRY_SIM_OK, run: async (n) => { for (let i = 0; i < n; i++) await driveRetry(retryPolicy, clock, false); } },
  ];
  for (const [name, s] of await compare(cases)) pristine.set(name, s);
  opossum.shutdown();
}

/** Scenario 5: failure paths. */
export async function failurePaths(): Promise<void> {
  group('5. failure paths (ns per request or call)');
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock });
  await FlakyAgent.register(runtime, 'flaky', () => new FlakyAgent());
  await SteadyAgent.register(runtime, 'steady', () => new SteadyAgent());
  await BrokenAgent.register(runtime, 'broken', () => new BrokenAgent());
  await EchoAgent.register(runtime, 'echo', () => new EchoAgent());
  runtime.start();
  const flaky = new AgentId('flaky', 'default');
  const steady = new AgentId('steady', 'default');
  const broken = new AgentId('broken', 'default');
  const echo = new AgentId('echo', 'default');
  await runtime.sendMessage(ping, broken).catch(() => undefined); // opens the breaker
  const drive = async (id: AgentId): Promise<void> => {
    const p = runtime.sendMessage(ping, id);
    await clock.runAll();
    await p;
  };
  const retryCase: Case = { name: '@retry: 2 failures + 2 backoffs', run: async (n) => { for (let i = 0; i < n; i++) await drive(flaky); } };
  const steadyCase: Case = { name: '@retry: success', run: async (n) => { for (let i = 0; i < n; i++) await drive(steady); } };
  const openCase = rejectingCase('@circuitBreaker open: request rejected', () => runtime.sendMessage(ping, broken));
  const echoCase: Case = { name: 'request, no policy', run: async (n) => { for (let i = 0; i < n; i++) await runtime.sendMessage(ping, echo); } };
  const stats = await compare([retryCase, steadyCase, openCase, echoCase]);
  await runtime.stop();

  record(`agentwire ${retryCase.name} (SimulatedClock, clock.runAll per request)`, stats.get(retryCase.name)!, {
    baselineName: 'same, success at once',
    baseline: stats.get(steadyCase.name)!,
  });
  record(`agentwire ${openCase.name}`, stats.get(openCase.name)!, { baselineName: 'request, no policy', baseline: stats.get(echoCase.name)! });
  record(`${RETRY_SIM} [phase 1]`, pristineOf(RETRY_SIM), { baselineName: 'success', baseline: pristineOf(RETRY_SIM_OK) });
  record(`${OPEN.cockatiel} [phase 1]`, pristineOf(OPEN.cockatiel));
  record(`${OPEN.opossum} [phase 1]`, pristineOf(OPEN.opossum), { baselineName: 'cockatiel', baseline: pristineOf(OPEN.cockatiel) });
  record(`${OPEN.agentwire} [phase 1]`, pristineOf(OPEN.agentwire), { baselineName: 'cockatiel', baseline: pristineOf(OPEN.cockatiel) });
}
