/**
 * Seed scenario 5: an adaptive timeout that adjusts over varying response times.
 *
 * The seed's `TimeoutConfig` starts at 2 s and moves toward 2 × the average response time. In
 * agentwire the same idea is a caller-side send option: `timeout: { adaptive: {…} }` (or
 * `@timeout({ adaptive: {…} })` on the handler). The limit is `multiplier ×` the moving average of
 * recent durations, clamped to `[min, max]`, and grown by `growth` on each timeout. This example
 * builds the adaptive policy as a `TimeoutPolicy` object and passes that as the send option, so it
 * can print the limit before and after every call; the runtime applies it exactly as it applies
 * the `{ adaptive }` spec.
 *
 * The seed's five calls come first. agentwire adapts straight to 2 × the average (the seed eases
 * toward it by 30 % a step), so call 4 (1.2 s) exceeds the learned 1.07 s limit and times out: the
 * limit grows ×1.5, and the next call brings it back down. Then the agent slows to 2.5 s: two
 * timeouts grow the limit until the slow calls fit, and fast calls pull it down again.
 * All on a simulated clock: the example takes milliseconds, not the ~15 s it describes.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/05-adaptive-timeout.js`.
 */
import 'reflect-metadata';
import {
  AgentId,
  type Clock,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TimeoutError,
  TimeoutPolicy,
  messageHandler,
} from '../src/index.js';
import { seconds, settle, sleep } from './support/clock.js';

/** A task that takes the agent `delayMs` to answer. */
export class Task {
  constructor(readonly delayMs: number) {}
}

class VariableAgent extends RoutedAgent {
  constructor(private readonly clock: Clock) {
    super('Answers after a varying delay');
  }

  @messageHandler()
  async work(task: Task, ctx: MessageContext): Promise<string> {
    await sleep(this.clock, task.delayMs, ctx.signal); // stops working when the caller times out
    return 'success';
  }
}

/** The seed's five response times, then a slow patch and recovery (seconds). */
export const DELAYS = [0.5, 0.8, 0.3, 1.2, 0.6, 2.5, 2.5, 2.5, 0.4, 0.5];

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock });
  await VariableAgent.register(runtime, 'worker', () => new VariableAgent(clock));
  runtime.start();
  const worker = new AgentId('worker', 'default');

  // The seed's bounds: start at 2 s, never below 1 s nor above 60 s; 2 × the average of the last 10.
  const adaptive = new TimeoutPolicy({ adaptive: { initial: 2_000, min: 1_000, max: 60_000, multiplier: 2, window: 10, growth: 1.5 } }, { clock });
  log(`Initial timeout: ${seconds(adaptive.currentLimit())}`);
  log('');

  for (const [i, delay] of DELAYS.entries()) {
    log(`Call ${i + 1} (actual delay: ${delay}s):`);
    const limit = adaptive.currentLimit();
    const started = clock.now();
    try {
      const answered = runtime.sendMessage(new Task(delay * 1000), worker, { timeout: adaptive }).then(() => clock.now());
      log(`  ✅ Response in ${seconds((await settle(clock, answered, 50)) - started)} (timeout was ${seconds(limit)})`);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      log(`  ❌ Timeout after ${seconds(error.elapsedMs)} (timeout was ${seconds(limit)})`);
    }
    log(`  Adapted timeout: ${seconds(adaptive.currentLimit())}`);
    log('');
  }

  await runtime.stopWhenIdle();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
