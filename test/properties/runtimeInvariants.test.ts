/**
 * Property-based tests of the runtime: random agent systems (1–3 types, keys, concurrency, bounded
 * mailboxes, subscriptions, handler decorators, interventions) driven by random schedules (sends with
 * per-call policies and signals, publishes, cancellations, clock advances, stop / start /
 * stopWhenIdle / close, dead-letter replays, subscription changes, breaker isolation) on a simulated
 * clock. After each run the runtime is drained and its invariants are checked (see `runner.ts`).
 *
 * Replay a failure with `FC_SEED=<seed> FC_PATH=<path>` (both printed on failure); scale the runs with
 * `FC_RUNS` (total over the properties, default 200). The bugs it found are pinned, shrunk, in
 * `shrunkCounterexamples.test.ts`.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { RuntimeEventMap } from '../../src/index.js';
import { fcParameters, testTimeoutFor } from './fcConfig.js';
import { FULL, type GenOptions, scheduleArb, systemArb } from './model.js';
import { runScenario } from './runner.js';

/** Throws with every broken invariant (fast-check prints it with the seed, the path and the shrunk counterexample). */
function assertHolds(violations: readonly string[]): void {
  if (violations.length > 0) throw new Error(`${violations.length} invariant(s) broken:\n  - ${[...new Set(violations)].join('\n  - ')}`);
}

/** Only cancellations, caller deadlines and stops end requests: nothing a breaker may count as a failure. */
const CANCEL_ONLY: GenOptions = {
  ...FULL,
  ends: ['ok', 'hangSignal', 'hangIgnore', 'abortError', 'domAbort'],
  steps: ['sleep', 'status', 'call'],
  handlerPolicies: fc.record({
    circuitBreaker: fc.record({ failureThreshold: fc.constant(1), recoveryTimeout: fc.integer({ min: 20, max: 200 }) }),
  }),
  // a caller-side breaker counts its own timeouts, so a send gets one or the other (never nested calls' timeouts: a handler rethrowing one fails)
  callPolicies: fc.oneof(
    fc.constant({}),
    fc.record({ circuitBreaker: fc.record({ failureThreshold: fc.constant(1), recoveryTimeout: fc.integer({ min: 20, max: 200 }) }) }),
    fc.record({ timeout: fc.integer({ min: 5, max: 150 }) }),
    fc.record({ timeout: fc.integer({ min: 5, max: 150 }), retry: fc.record({ maxRetries: fc.integer({ min: 1, max: 2 }), baseDelay: fc.integer({ min: 1, max: 30 }) }) }),
  ),
  // nested calls carry no time limit: a handler rethrowing a nested TimeoutError is a real failure of its own
  nestedCallPolicies: fc.oneof(
    fc.constant({}),
    fc.record({ circuitBreaker: fc.record({ failureThreshold: fc.constant(1), recoveryTimeout: fc.integer({ min: 20, max: 200 }) }) }),
  ),
  interventions: ['none', 'passSync', 'passAsync'],
  ops: FULL.ops.filter((op) => op !== 'isolate' && op !== 'release'),
  mailboxes: false,
  brokenKeys: false,
};

const LISTENED_EVENTS: readonly (keyof RuntimeEventMap)[] = [
  'send', 'ack', 'response', 'requestEnd', 'publish', 'handlerError', 'deadLetter', 'agentCreated',
  'retry', 'timeout', 'breaker', 'status', 'lateResult', 'dropped', 'undelivered', 'unhandled',
];

describe('runtime invariants under random systems and schedules (fast-check)', () => {
  it(
    'settles every request once, accounts for every publish, leaves nothing behind and keeps turns, order, acks and breakers legal',
    async () => {
      await fc.assert(
        fc.asyncProperty(systemArb(), scheduleArb(), async (system, schedule) => {
          const { violations } = await runScenario(system, schedule);
          assertHolds(violations);
        }),
        fcParameters(120),
      );
    },
    testTimeoutFor(120),
  );

  it(
    'never counts a cancellation, a caller deadline or a stop as a breaker failure',
    async () => {
      await fc.assert(
        fc.asyncProperty(systemArb(CANCEL_ONLY), scheduleArb(CANCEL_ONLY), async (system, schedule) => {
          const { violations, breakers } = await runScenario(system, schedule);
          for (const move of breakers) violations.push(`breaker: ${move.breaker} (${move.side}) moved ${move.from} → ${move.to} though nothing but cancellations, caller deadlines and stops ended requests`);
          assertHolds(violations);
        }),
        fcParameters(45),
      );
    },
    testTimeoutFor(45),
  );

  it(
    'reports every throw of an event listener as one uncaught exception and keeps every other invariant',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          systemArb(),
          scheduleArb({ ...FULL, maxOps: 14 }),
          fc.subarray([...LISTENED_EVENTS], { minLength: 1, maxLength: 4 }),
          async (system, schedule, throwing) => {
            const { violations } = await runScenario(system, schedule, { throwingListeners: throwing });
            assertHolds(violations);
          },
        ),
        fcParameters(35),
      );
    },
    testTimeoutFor(35),
  );
});
