/**
 * Scenario 5: per-call policies, `runtime.sendMessage(msg, id, { timeout: 1000, retry: { maxRetries: 3 },
 * circuitBreaker: { failureThreshold: 5, recoveryTimeout: 10000 } })`,
 * written as users write it: a fresh inline options literal on every call (never one hoisted
 * object), so whatever agentwire derives from the options per call is paid per call.
 *
 * (a) time per request: the three options together, and each alone, against a plain
 *     `sendMessage(msg, id)` in the same interleaved rounds (the recipient is the same echo agent);
 * (b) bytes per pending request with the three options, against a plain pending request (both
 *     queued behind a gated handler; see `pendingProbes.ts`), side by side over rounds.
 *
 * The baseline is agentwire itself without options, so the ratio is exactly what the options cost;
 * `{ timeout }` alone is also compared with the mailbox baseline arming a caller-side deadline in
 * its shared-timer list (what agentwire does for a numeric timeout).
 */
import { Ping, echoRuntime } from './agents.js';
import { echoBaseline } from './baseline/echo.js';
import { awaitLoop } from './cases.js';
import { compare, config, statsFor } from './harness.js';
import { agentwireQueued, probeRounds } from './pendingProbes.js';
import { group, record } from './report.js';
import { pairedDifference } from './stats.js';
import { ratioAtMost, valueAtMost } from './targets.js';

const ping = new Ping(1);
const PENDING = 20_000;

const BASE_TIMEOUT = 'baseline + 1 s caller deadline (shared timer)';
const P = {
  plain: 'plain sendMessage(msg, id)',
  all: '{ timeout, retry, circuitBreaker }',
  timeout: '{ timeout: 1000 }',
  retry: '{ retry: {…} }',
  breaker: '{ circuitBreaker: {…} }',
};

async function timing(): Promise<void> {
  const { runtime, id } = await echoRuntime();
  const base = echoBaseline();
  const to = base.addresses[0]!;
  const same = await compare([
    awaitLoop(BASE_TIMEOUT, () => base.dispatcher.send(to, ping, 1000)),
    awaitLoop(P.plain, () => runtime.sendMessage(ping, id)),
    awaitLoop(P.all, () => runtime.sendMessage(ping, id, { timeout: 1000, retry: { maxRetries: 3 }, circuitBreaker: { failureThreshold: 5, recoveryTimeout: 10000 } })),
    awaitLoop(P.timeout, () => runtime.sendMessage(ping, id, { timeout: 1000 })),
    awaitLoop(P.retry, () => runtime.sendMessage(ping, id, { retry: { maxRetries: 3 } })),
    awaitLoop(P.breaker, () => runtime.sendMessage(ping, id, { circuitBreaker: { failureThreshold: 5, recoveryTimeout: 10000 } })),
  ]);
  await runtime.stop();
  const plain = { name: 'plain request', value: statsFor(same, P.plain) };
  record({ scenario: `per-call ${P.all} vs a plain request`, agentwire: statsFor(same, P.all), baseline: plain, target: ratioAtMost(1.5) });
  record({ scenario: `per-call ${P.all} add`, agentwire: pairedDifference(statsFor(same, P.all), statsFor(same, P.plain)), overhead: true });
  for (const name of [P.timeout, P.retry, P.breaker]) record({ scenario: `per-call ${name} alone vs a plain request`, agentwire: statsFor(same, name), baseline: plain });
  record({ scenario: `per-call ${P.timeout} vs the mailbox baseline with a caller deadline`, agentwire: statsFor(same, P.timeout), baseline: { name: BASE_TIMEOUT, value: statsFor(same, BASE_TIMEOUT) } });
}

async function memory(): Promise<void> {
  const { stats, failures } = await probeRounds(config.memoryRounds, {
    plain: () => agentwireQueued(PENDING, (runtime, id) => runtime.sendMessage(ping, id)),
    all: () => agentwireQueued(PENDING, (runtime, id) => runtime.sendMessage(ping, id, { timeout: 1000, retry: { maxRetries: 3 }, circuitBreaker: { failureThreshold: 5, recoveryTimeout: 10000 } })),
  });
  record({
    scenario: `bytes per pending request, per-call ${P.all} (${PENDING.toLocaleString('en-US')} queued)`,
    unit: 'B',
    agentwire: stats.get('all')!,
    baseline: { name: 'plain pending request', value: stats.get('plain')! },
    target: valueAtMost(600, 'B'),
    invalid: failures > 0 ? `${failures} requests failed while measuring` : undefined,
  });
}

/** Scenario 5: per-call policy options. */
export async function perCallPolicies(): Promise<void> {
  group(`5. per-call policy options, a fresh inline literal per call (ns per request; bytes: median of ${config.memoryRounds} rounds)`);
  await timing();
  await memory();
}
