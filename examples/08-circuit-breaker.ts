/**
 * Seed scenario 8: a circuit breaker going closed → open → half-open → closed against an agent
 * that recovers.
 *
 * The seed's `CircuitBreaker` class wraps each call by hand. In agentwire the breaker is a
 * decorator on the handler, `@circuitBreaker({ failureThreshold: 3, recoveryTimeout: 1_000 })`:
 * after three failures in a row it opens, and calls fail at once with `CircuitOpenError` (carrying
 * `retryAfter`) **without invoking the handler**; after the recovery timeout the next call is
 * admitted as a trial (half-open), and a successful trial closes it again. Every transition is a
 * runtime `breaker` event, printed as it happens.
 *
 * The seed's parameters: threshold 3, recovery 1 s, a call every 0.4 s, an agent that is down for
 * its first 4 invocations. So the first trial (call 6) still fails and re-opens the breaker; the
 * seed stops at call 7 while the breaker is still open, this run continues until the agent has
 * recovered and the breaker has closed. Time is simulated.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/08-circuit-breaker.js`.
 */
import 'reflect-metadata';
import {
  AgentId,
  CircuitOpenError,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  circuitBreaker,
  messageHandler,
} from '../src/index.js';
import { settle } from './support/clock.js';

export class Ping {}

/** Down for its first `downFor` invocations, then answers. */
class RecoveringAgent extends RoutedAgent {
  invocations = 0;

  constructor(private readonly downFor: number) {
    super('Fails, then recovers');
  }

  @messageHandler()
  @circuitBreaker({ failureThreshold: 3, recoveryTimeout: 1_000 })
  async handle(_ping: Ping): Promise<string> {
    this.invocations++;
    if (this.invocations <= this.downFor) throw new Error(`Agent down (attempt ${this.invocations})`);
    return 'recovered!';
  }
}

const WHY: Record<string, string> = { open: 'tripped', 'half-open': 'recovery timeout over, admitting a trial call', closed: 'recovered' };

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock });
  await RecoveringAgent.register(runtime, 'agent', () => new RecoveringAgent(4));
  // Transitions happen inside a call (admission, outcome); print them after that call's line.
  const transitions: string[] = [];
  runtime.events.on('breaker', (e) => transitions.push(`  [Circuit] '${e.breaker}' ${e.from} → ${e.to} (${WHY[e.to] ?? e.to})`));
  runtime.start();
  const agent = new AgentId('agent', 'default');

  log('Breaker: failureThreshold 3, recoveryTimeout 1.0s; one call every 0.4s (simulated clock)');
  for (let call = 1; call <= 10; call++) {
    const at = `t=${(clock.now() / 1000).toFixed(1)}s`;
    try {
      const result = await settle(clock, runtime.sendMessage<string>(new Ping(), agent));
      log(`  ${at} Call ${call}: ✅ ${result}`);
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        log(`  ${at} Call ${call}: 🔴 ${error.code}, handler not invoked, retry after ${(error.retryAfter / 1000).toFixed(1)}s`);
      } else {
        log(`  ${at} Call ${call}: ⚠️ ${(error as Error).message}`);
      }
    }
    for (const line of transitions.splice(0)) log(line);
    await clock.advance(400);
  }
  const instance = await runtime.tryGetUnderlyingAgentInstance(agent, RecoveringAgent);
  log(`The agent's handler ran ${instance.invocations} times for 10 calls.`);

  await runtime.stopWhenIdle();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
