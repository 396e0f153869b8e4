/**
 * Seed scenario 9: the RobustClient exercise — 15 sequential requests to an unreliable agent, with
 * retry (exponential backoff), a per-attempt timeout and a circuit breaker.
 *
 * The seed writes a `RobustClient` class that nests the three patterns by hand. In agentwire the
 * whole client is one object of caller-side send options, `ROBUST_CLIENT`, passed to
 * `sendMessage`: the runtime nests them as retry → circuit breaker (kept per recipient) → timeout
 * per attempt, keeps the message id across attempts, and reports retries and breaker transitions
 * as events. The exercise's numbers are used as they are: max 3 retries, 0.5 s base delay, 2 s
 * timeout, breaker after 5 consecutive failures (recovery 3 s, the seed's default). The demo's
 * "scaling down" is done by the simulated clock instead: about a minute of simulated waiting takes
 * milliseconds.
 *
 * The agent fails ~40 % of the time from a seeded PRNG — half of those are errors, half are hangs
 * that hit the 2 s timeout — so the run is the same every time. The seed was picked so the run shows
 * every path: first-try successes, successes after retries, the breaker opening in the middle of a
 * request, requests blocked while it is open, and recovery.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/09-robust-client.js`.
 */
import 'reflect-metadata';
import {
  AgentId,
  CircuitOpenError,
  type Clock,
  type MessageContext,
  RoutedAgent,
  type SendOptions,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  messageHandler,
} from '../src/index.js';
import { settle, sleep } from './support/clock.js';
import { mulberry32 } from './support/random.js';

export const SEED = 96;
const REQUESTS = 15;
const PAUSE_BETWEEN_REQUESTS = 500;

/** The RobustClient: max 3 retries with 0.5 s exponential backoff, 2 s per attempt, breaker after 5 failures. */
export const ROBUST_CLIENT: SendOptions = {
  retry: { maxRetries: 3, baseDelay: 500, factor: 2, jitter: 'none' },
  timeout: 2_000,
  circuitBreaker: { failureThreshold: 5, recoveryTimeout: 3_000 },
};

export class Work {
  constructor(readonly request: number) {}
}

/** Fails ~40 % of attempts: 20 % with an error, 20 % by hanging past any timeout. */
class UnreliableAgent extends RoutedAgent {
  constructor(
    private readonly clock: Clock,
    private readonly random: () => number,
  ) {
    super('An unreliable agent');
  }

  @messageHandler()
  async work(work: Work, ctx: MessageContext): Promise<string> {
    const roll = this.random();
    if (roll < 0.2) throw new Error('Agent unavailable');
    const latency = roll < 0.4 ? 10_000 : 100 + Math.round(this.random() * 200);
    await sleep(this.clock, latency, ctx.signal); // a hang ends when the caller's timeout aborts it
    return `result ${work.request}`;
  }
}

/** The seed's `Stats`. */
export interface Stats {
  total: number;
  success: number;
  failed: number;
  circuitBlocked: number;
}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock });
  await UnreliableAgent.register(runtime, 'unreliable', () => new UnreliableAgent(clock, mulberry32(SEED)));
  const agent = new AgentId('unreliable', 'default');

  const attempts = new Map<string, number>(); // message id → attempts that reached the agent
  const retried = new Map<string, string[]>(); // message id → why each retried attempt failed
  runtime.events.on('send', (e) => attempts.set(e.messageId, (attempts.get(e.messageId) ?? 0) + 1));
  runtime.events.on('retry', (e) => retried.set(e.messageId, [...(retried.get(e.messageId) ?? []), reason(e.error)]));
  // Breaker transitions happen during a request; they are printed after that request's line.
  const transitions: string[] = [];
  runtime.events.on('breaker', (e) => transitions.push(`    [Circuit] ${e.from} → ${e.to}${e.to === 'open' ? ': OPENED' : e.to === 'closed' ? ': CLOSED (recovered)' : ''}`));
  runtime.start();

  const stats: Stats = { total: 0, success: 0, failed: 0, circuitBlocked: 0 };
  for (let i = 1; i <= REQUESTS; i++) {
    const messageId = `req-${i}`;
    const at = `t=${(clock.now() / 1000).toFixed(1).padStart(4)}s`;
    stats.total++;
    try {
      await settle(clock, runtime.sendMessage(new Work(i), agent, { ...ROBUST_CLIENT, messageId }));
      const n = attempts.get(messageId)!;
      log(`${at} Request ${i}: ✅ Success (attempt ${n}${n > 1 ? `, retried ${n - 1}x after ${retried.get(messageId)!.join(', ')}` : ''})`);
      stats.success++;
    } catch (error) {
      const n = attempts.get(messageId) ?? 0;
      if (error instanceof CircuitOpenError && n === 0) {
        log(`${at} Request ${i}: 🔴 Circuit OPEN — skipped (retry after ${(error.retryAfter / 1000).toFixed(1)}s)`);
        stats.circuitBlocked++;
      } else {
        const why = [...(retried.get(messageId) ?? []), reason(error)].join(', then ');
        log(`${at} Request ${i}: ❌ Failed after ${n} attempt${n === 1 ? '' : 's'} (${why})`);
        stats.failed++;
      }
    }
    for (const line of transitions.splice(0)) log(line);
    await clock.advance(PAUSE_BETWEEN_REQUESTS);
  }

  log('');
  log('Summary:');
  log(`  Total requests: ${stats.total}`);
  log(`  Successful: ${stats.success}`);
  log(`  Failed: ${stats.failed}`);
  log(`  Circuit-blocked: ${stats.circuitBlocked}`);
  log(`  Breaker now: ${runtime.callerBreaker(agent)?.state}; simulated time: ${(clock.now() / 1000).toFixed(1)}s`);

  await runtime.stopWhenIdle();
}

/** A short reason for a failed attempt. */
function reason(error: unknown): string {
  if (error instanceof TimeoutError) return 'timeout';
  if (error instanceof CircuitOpenError) return 'circuit open';
  return error instanceof Error ? error.message : String(error);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
