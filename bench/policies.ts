import { CircuitBreakerPolicy, RetryPolicy, TimeoutPolicy, wrap } from '../src/index.js';
import { BreakerEcho, EchoAgent, Ping, RetryEcho, StackEcho, TimeoutEcho, echoRuntime } from './agents.js';
import { type Case, type Stats, atMost, compare, group, record } from './harness.js';
import { cockatielPolicies } from './peers/cockatiel.js';
import { opossumBreaker } from './peers/opossum.js';
import { pristine, pristineOf } from './pristine.js';

const fn = async (): Promise<number> => 42;
const ping = new Ping(1);

interface Executor {
  execute(f: () => Promise<number>): Promise<unknown>;
}

function executeCase(name: string, policy: Executor): Case {
  return {
    name,
    async run(n) {
      for (let i = 0; i < n; i++) await policy.execute(fn);
    },
  };
}

const BARE = 'bare await fn()';
const C = {
  retry: 'cockatiel retry',
  breaker: 'cockatiel circuitBreaker(ConsecutiveBreaker)',
  timeout: 'cockatiel timeout(1000, Cooperative)',
  stack: 'cockatiel wrap(retry, breaker, timeout)',
};
const O = { timeout: 'opossum fire() {timeout: 1000}', bare: 'opossum fire() {timeout: false}' };
const A = {
  retry: 'RetryPolicy.execute',
  breaker: 'CircuitBreakerPolicy.execute',
  timeout: 'TimeoutPolicy.execute',
  stack: 'wrap(retry, breaker, timeout).execute',
};

/** Scenario 4 standalone comparisons (no runtime involved), before agentwire runs a message. */
export async function policyBaselines(): Promise<void> {
  const c = cockatielPolicies();
  const opossumTimeout = opossumBreaker(fn, true);
  const opossumBare = opossumBreaker(fn, false);
  const retry = new RetryPolicy({ maxRetries: 2 });
  const breaker = new CircuitBreakerPolicy({ failureThreshold: 5, recoveryTimeout: 10_000 });
  const timeout = new TimeoutPolicy(1_000);
  const stack = wrap(new RetryPolicy({ maxRetries: 2 }), new CircuitBreakerPolicy({ failureThreshold: 5, recoveryTimeout: 10_000 }), new TimeoutPolicy(1_000));
  const cases: Case[] = [
    { name: BARE, run: async (n) => { for (let i = 0; i < n; i++) await fn(); } },
    executeCase(C.retry, c.retry),
    executeCase(C.breaker, c.breaker),
    executeCase(C.timeout, c.timeout),
    executeCase(C.stack, c.stack),
    { name: O.timeout, run: async (n) => { for (let i = 0; i < n; i++) await opossumTimeout.fire(); } },
    { name: O.bare, run: async (n) => { for (let i = 0; i < n; i++) await opossumBare.fire(); } },
    executeCase(A.retry, retry),
    executeCase(A.breaker, breaker),
    executeCase(A.timeout, timeout),
    executeCase(A.stack, stack),
  ];
  for (const [name, s] of await compare(cases)) pristine.set(name, s);
  opossumTimeout.shutdown();
  opossumBare.shutdown();
}

function overhead(a: Stats, base: Stats): number {
  return a.median - base.median;
}

/** Scenario 4: policies on the happy path. */
export async function policies(): Promise<void> {
  group('4a. standalone policies vs cockatiel 3 / opossum 9, happy path (ns per call) [phase 1]');
  const bare = pristineOf(BARE);
  record(BARE, bare);
  for (const name of [...Object.values(C), ...Object.values(O)]) record(name, pristineOf(name), { baselineName: 'bare', baseline: bare });
  record(A.retry, pristineOf(A.retry), { baselineName: C.retry, baseline: pristineOf(C.retry), target: atMost(2) });
  record(A.breaker, pristineOf(A.breaker), { baselineName: 'cockatiel breaker', baseline: pristineOf(C.breaker), target: atMost(2) });
  record(A.timeout, pristineOf(A.timeout), { baselineName: 'cockatiel timeout', baseline: pristineOf(C.timeout), target: atMost(0.1, '≥ 10× cheaper') });
  record(A.stack, pristineOf(A.stack), { baselineName: 'cockatiel wrap', baseline: pristineOf(C.stack), target: atMost(0.1, '≥ 10× cheaper') });

  group('4b. policy decorators through the runtime, happy path (ns per request)');
  const runtimes = await Promise.all(
    [EchoAgent, TimeoutEcho, RetryEcho, BreakerEcho, StackEcho].map((cls) => echoRuntime(cls, {}, cls.name.toLowerCase())),
  );
  const names = ['no policy', '@timeout(1000)', '@retry({maxRetries: 2})', '@circuitBreaker', '@retry @circuitBreaker @timeout'];
  const cases = runtimes.map(({ runtime, id }, i): Case => ({
    name: names[i]!,
    async run(n) {
      for (let k = 0; k < n; k++) await runtime.sendMessage(ping, id);
    },
  }));
  const stats = await compare(cases);
  for (const { runtime } of runtimes) await runtime.stop();
  const plain = stats.get(names[0]!)!;
  record(`agentwire request, ${names[0]}`, plain);
  record(`agentwire request, ${names[1]}`, stats.get(names[1]!)!, { baselineName: 'no policy', baseline: plain });
  record(`agentwire request, ${names[2]}`, stats.get(names[2]!)!, { baselineName: 'no policy', baseline: plain });
  record(`agentwire request, ${names[3]}`, stats.get(names[3]!)!, { baselineName: 'no policy', baseline: plain });
  record(`agentwire request, ${names[4]}`, stats.get(names[4]!)!, { baselineName: 'no policy', baseline: plain, target: atMost(1.3, '≤ 1.3× (+30%)') });

  group('4c. overhead added per call: agentwire decorator vs cockatiel policy (ns)');
  const pairs: [string, string, string, (r: number) => { text: string; pass: boolean }][] = [
    [names[2]!, C.retry, 'cockatiel retry', atMost(2)],
    [names[3]!, C.breaker, 'cockatiel breaker', atMost(2)],
    [names[1]!, C.timeout, 'cockatiel timeout', atMost(0.1, '≥ 10× cheaper')],
    [names[4]!, C.stack, 'cockatiel wrap', atMost(0.05, '≥ 20× cheaper')],
  ];
  for (const [decorator, peer, short, target] of pairs) {
    record(`${decorator} adds`, overhead(stats.get(decorator)!, plain), {
      unit: 'ns',
      baselineName: `${short} adds`,
      baseline: overhead(pristineOf(peer), bare),
      target,
    });
  }
}
