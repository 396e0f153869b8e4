/**
 * Scenario 4: policies on the happy path, all measured in ONE interleaved `compare` call:
 *
 * (a) agentwire's policy classes (`RetryPolicy`, `CircuitBreakerPolicy`, `TimeoutPolicy`, `wrap`)
 *     around `async () => 42`, against cockatiel 3.2 and opossum 9 configured alike (3 attempts,
 *     5 consecutive failures, 1 s cooperative timeout — cockatiel's with `abortOnReturn` off and on);
 * (b) the decorators on a handler, through the runtime, against a plain request; and `@timeout`
 *     against the mailbox baseline arming a deadline per turn in its shared-timer list;
 * (c) the overhead each adds, paired round by round: (agentwire request with the decorator − plain
 *     agentwire request) against (cockatiel policy around `fn` − bare `await fn()`), each the median
 *     of per-round differences. A negative overhead is reported as an invalid measurement.
 *
 * Fair because every figure comes from the same rounds, the policies are configured alike, and the
 * overheads subtract each side's own bare call.
 */
import { CircuitBreakerPolicy, RetryPolicy, TimeoutPolicy, wrap } from '../src/index.js';
import { BreakerEcho, EchoAgent, Ping, RetryEcho, StackEcho, TimeoutEcho, echoRuntime } from './agents.js';
import { echoBaseline } from './baseline/echo.js';
import { awaitLoop } from './cases.js';
import { type Case, type Comparison, compare, statsFor } from './harness.js';
import { cockatielPolicies } from './peers/cockatiel.js';
import { opossumBreaker } from './peers/opossum.js';
import { group, record } from './report.js';
import { pairedDifference } from './stats.js';
import { type Target, ratioAtMost, timesBetter } from './targets.js';

const fn = async (): Promise<number> => 42;
const ping = new Ping(1);

interface Executor {
  execute(f: () => Promise<number>): Promise<unknown>;
}

const executeCase = (name: string, policy: Executor): Case => awaitLoop(name, () => policy.execute(fn));

const BARE = 'bare await fn()';
const C = {
  retry: 'cockatiel retry',
  breaker: 'cockatiel breaker',
  timeout: 'cockatiel timeout (abortOnReturn off)',
  timeoutAbort: 'cockatiel timeout (abortOnReturn on: default)',
  stack: 'cockatiel wrap (abortOnReturn off)',
  stackAbort: 'cockatiel wrap (abortOnReturn on: default)',
};
const O = { timeout: 'opossum fire() {timeout: 1000}', bare: 'opossum fire() {timeout: false}' };
const A = {
  retry: 'RetryPolicy.execute',
  breaker: 'CircuitBreakerPolicy.execute',
  timeout: 'TimeoutPolicy.execute',
  stack: 'wrap(retry, breaker, timeout)',
};
const B = { plain: 'mailbox baseline', timeout: 'baseline + 1 s deadline (shared timer)' };
const D = {
  plain: 'request, no policy',
  timeout: '@timeout(1000)',
  retry: '@retry({ maxRetries: 2 })',
  breaker: '@circuitBreaker',
  stack: '@retry @circuitBreaker @timeout',
};

function standaloneCases(): { cases: Case[]; close: () => void } {
  const c = cockatielPolicies();
  const opossumTimeout = opossumBreaker(fn, true);
  const opossumBare = opossumBreaker(fn, false);
  const breakerOptions = { failureThreshold: 5, recoveryTimeout: 10_000 };
  const cases: Case[] = [
    awaitLoop(BARE, fn),
    executeCase(C.retry, c.retry),
    executeCase(C.breaker, c.breaker),
    executeCase(C.timeout, c.timeout),
    executeCase(C.timeoutAbort, c.timeoutAbortOnReturn),
    executeCase(C.stack, c.stack),
    executeCase(C.stackAbort, c.stackAbortOnReturn),
    awaitLoop(O.timeout, () => opossumTimeout.fire()),
    awaitLoop(O.bare, () => opossumBare.fire()),
    executeCase(A.retry, new RetryPolicy({ maxRetries: 2 })),
    executeCase(A.breaker, new CircuitBreakerPolicy(breakerOptions)),
    executeCase(A.timeout, new TimeoutPolicy(1_000)),
    executeCase(A.stack, wrap(new RetryPolicy({ maxRetries: 2 }), new CircuitBreakerPolicy(breakerOptions), new TimeoutPolicy(1_000))),
  ];
  return { cases, close: () => (opossumTimeout.shutdown(), opossumBare.shutdown()) };
}

function recordStandalone(same: Comparison): void {
  group('4a. standalone policies vs cockatiel 3.2 / opossum 9, happy path (ns per call)');
  const rows: [string, string, Target | undefined][] = [
    [A.retry, C.retry, ratioAtMost(2)],
    [A.breaker, C.breaker, ratioAtMost(2)],
    [A.breaker, O.bare, undefined],
    [A.timeout, C.timeout, timesBetter(10, 'cheaper')],
    [A.timeout, C.timeoutAbort, timesBetter(10, 'cheaper')],
    [A.timeout, O.timeout, undefined],
    [A.stack, C.stack, timesBetter(10, 'cheaper')],
    [A.stack, C.stackAbort, timesBetter(10, 'cheaper')],
  ];
  for (const [aw, peer, target] of rows) {
    record({ scenario: `${aw} vs ${peer}`, agentwire: statsFor(same, aw), baseline: { name: peer.split(' ')[0]!, value: statsFor(same, peer) }, better: 'cheaper', target });
  }
  record({ scenario: 'bare await fn() (reference)', baseline: { name: BARE, value: statsFor(same, BARE) } });
}

function baselineCases(): Case[] {
  const plain = echoBaseline();
  const timed = echoBaseline(1, { timeoutMs: 1_000 });
  return [
    awaitLoop(B.plain, () => plain.dispatcher.send(plain.addresses[0]!, ping)),
    awaitLoop(B.timeout, () => timed.dispatcher.send(timed.addresses[0]!, ping)),
  ];
}

function recordDecorators(same: Comparison): void {
  group('4b. policy decorators through the runtime, happy path (ns per request)');
  const plain = statsFor(same, D.plain);
  for (const name of [D.timeout, D.retry, D.breaker, D.stack]) {
    record({ scenario: `${name} on the handler vs a plain request`, agentwire: statsFor(same, name), baseline: { name: 'plain request', value: plain }, target: name === D.stack ? ratioAtMost(1.3) : undefined });
  }
  record({ scenario: `${D.timeout} vs the mailbox baseline with a deadline per turn`, agentwire: statsFor(same, D.timeout), baseline: { name: B.timeout, value: statsFor(same, B.timeout) } });
  record({ scenario: `plain request vs the mailbox baseline (in these rounds)`, agentwire: plain, baseline: { name: B.plain, value: statsFor(same, B.plain) } });
}

function recordOverheads(same: Comparison): void {
  group('4c. overhead added per call, paired per round: agentwire decorator vs cockatiel / opossum (ns)');
  const adds = (name: string, bare: string) => pairedDifference(statsFor(same, name), statsFor(same, bare));
  const rows: [string, string, Target | undefined][] = [
    [D.retry, C.retry, ratioAtMost(2)],
    [D.breaker, C.breaker, ratioAtMost(2)],
    [D.breaker, O.bare, undefined],
    [D.timeout, C.timeout, timesBetter(10, 'cheaper')],
    [D.timeout, C.timeoutAbort, timesBetter(10, 'cheaper')],
    [D.stack, C.stack, timesBetter(20, 'cheaper')],
    [D.stack, C.stackAbort, timesBetter(20, 'cheaper')],
  ];
  for (const [decorator, peer, target] of rows) {
    record({
      scenario: `${decorator} adds, vs ${peer}`,
      agentwire: adds(decorator, D.plain),
      baseline: { name: `${peer.split(' ')[0]!} adds`, value: adds(peer, BARE) },
      overhead: true,
      better: 'cheaper',
      target,
    });
  }
}

/** Scenario 4: policies on the happy path. */
export async function policies(): Promise<void> {
  const classes = [EchoAgent, TimeoutEcho, RetryEcho, BreakerEcho, StackEcho];
  const runtimes = await Promise.all(classes.map((cls) => echoRuntime(cls, {}, cls.name.toLowerCase())));
  const names = [D.plain, D.timeout, D.retry, D.breaker, D.stack];
  const decorated = runtimes.map(({ runtime, id }, i) => awaitLoop(names[i]!, () => runtime.sendMessage(ping, id)));
  const standalone = standaloneCases();
  const same = await compare([...decorated, ...baselineCases(), ...standalone.cases]);
  standalone.close();
  for (const { runtime } of runtimes) await runtime.stop();
  recordStandalone(same);
  recordDecorators(same);
  recordOverheads(same);
}
