/**
 * Seed scenario 6: exponential backoff with jitter on a flaky agent that fails twice then succeeds.
 *
 * The seed wraps the call in a hand-written `retry_with_backoff` loop. In agentwire the retry is a
 * decorator on the handler: `@retry({ maxRetries: 4, baseDelay: 100, factor: 2, jitter: 'equal' })`
 * retries the handler in place, keeping the request's message id on every attempt (`ctx.attempt`
 * counts them), and the runtime's `retry` events report each failed attempt and the delay chosen.
 * `'equal'` jitter draws each delay from [d/2, d], which is the seed's `delay × (0.5 + random × 0.5)`.
 * The jitter's randomness comes from a seeded PRNG and the sleeps from a simulated clock, so the
 * output is the same on every run and takes no real time.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/06-backoff-with-jitter.js`.
 */
import 'reflect-metadata';
import {
  AgentId,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  messageHandler,
  retry,
} from '../src/index.js';
import { seconds, settle } from './support/clock.js';
import { mulberry32 } from './support/random.js';

export const SEED = 42;
const BASE_DELAY = 100;
const FACTOR = 2;

// The decorator's options are fixed when the class is defined, so its random source is a function
// reading this variable; main() reseeds it, making every run (and every test) draw the same delays.
let jitterRandom = mulberry32(SEED);

export class ResearchTask {
  constructor(readonly topic: string) {}
}

/** Fails the first two calls (an unreachable dependency), then answers. */
class FlakyAgent extends RoutedAgent {
  private calls = 0;

  constructor() {
    super('Fails twice, then succeeds');
  }

  @messageHandler()
  @retry({ maxRetries: 4, baseDelay: BASE_DELAY, factor: FACTOR, jitter: 'equal', random: () => jitterRandom() })
  async research(_task: ResearchTask, _ctx: MessageContext): Promise<{ status: string; data: string }> {
    this.calls++;
    if (this.calls <= 2) throw new Error(`Agent unreachable (attempt ${this.calls})`);
    return { status: 'success', data: 'Analysis complete' };
  }
}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  jitterRandom = mulberry32(SEED);
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock });
  await FlakyAgent.register(runtime, 'flaky', () => new FlakyAgent());

  let backedOff = 0;
  runtime.events.on('retry', (e) => {
    backedOff += e.delayMs;
    const backoff = BASE_DELAY * FACTOR ** (e.attempt - 1);
    log(`  ⚠️ Attempt ${e.attempt} failed: ${(e.error as Error).message}`);
    log(`     Retrying in ${seconds(e.delayMs)} (backoff ${seconds(backoff)}, equal jitter)...`);
  });
  let attempts = 0;
  runtime.events.on('ack', (ack) => {
    if (ack.level === 'processing') attempts = ack.attempt;
  });
  runtime.start();

  log(`Calling flaky agent with exponential backoff (base ${BASE_DELAY} ms, factor ${FACTOR}, equal jitter, seed ${SEED}):`);
  log('');
  const result = await settle(clock, runtime.sendMessage(new ResearchTask('market analysis'), new AgentId('flaky', 'default')));
  log(`  ✅ research_task succeeded on attempt ${attempts}`);
  log('');
  log(`Result: ${JSON.stringify(result)}`);
  log(`Time spent backing off: ${seconds(backedOff)} (simulated clock)`);

  await runtime.stopWhenIdle();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
