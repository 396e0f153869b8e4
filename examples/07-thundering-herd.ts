/**
 * Seed scenario 7: why jitter matters — three agents retrying at once (the thundering herd).
 *
 * The seed only computes delay lists. Here three real worker agents (`worker/A`, `worker/B`,
 * `worker/C`) call one shared dependency that is down, at the same moment, each with the caller-side
 * `retry` send option (4 retries, base delay 1 s, factor 2). Without jitter every worker waits
 * exactly 1, 2, 4, 8 s, so their retries hit the dependency in bursts of three; with full jitter
 * (`jitter: 'full'`, each delay drawn from [0, d]) the same retries spread out. The delays are read
 * from the runtime's `retry` events; the randomness is a seeded PRNG and the waiting is on a
 * simulated clock, so the table is identical on every run and the 30 simulated seconds take
 * milliseconds.
 *
 * Run: `npm run example` (all examples) or `node .out/examples/07-thundering-herd.js`.
 */
import 'reflect-metadata';
import {
  AgentId,
  type Jitter,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  messageHandler,
} from '../src/index.js';
import { settle } from './support/clock.js';
import { mulberry32 } from './support/random.js';

export const SEED = 42;
const WORKERS = ['A', 'B', 'C'];
const DEPENDENCY = new AgentId('shared_db', 'default');

/** A query to the shared dependency. */
export class Query {}

/** Tells a worker to query the dependency, retrying with the given jitter. */
export class Job {
  constructor(readonly jitter: Jitter) {}
}

/** The shared dependency: down for the whole run; records when each retry reaches it. */
class SharedDependency extends RoutedAgent {
  constructor(
    private readonly clock: SimulatedClock,
    private readonly retryArrivals: number[],
  ) {
    super('A database that is down');
  }

  @messageHandler()
  async query(_query: Query, ctx: MessageContext): Promise<never> {
    if (ctx.attempt > 1) this.retryArrivals.push(this.clock.now()); // ctx.attempt counts the caller's retries too
    throw new Error('Service unavailable');
  }
}

class Worker extends RoutedAgent {
  /** `random` is the jitter's source: one seeded PRNG shared by the three workers. */
  constructor(private readonly random: () => number) {
    super('Needs the shared dependency');
  }

  @messageHandler()
  async work(job: Job): Promise<string> {
    try {
      await this.sendMessage(new Query(), DEPENDENCY, {
        retry: { maxRetries: 4, baseDelay: 1_000, factor: 2, jitter: job.jitter, random: this.random },
      });
      return 'done';
    } catch {
      return 'gave up';
    }
  }
}

/** Runs the three workers at once with `jitter`; returns each worker's retry delays and when the retries reached the dependency. */
async function herd(jitter: Jitter): Promise<{ delays: Map<string, number[]>; arrivals: number[] }> {
  const clock = new SimulatedClock();
  const runtime = new SingleThreadedAgentRuntime({ clock });
  const arrivals: number[] = [];
  await SharedDependency.register(runtime, 'shared_db', () => new SharedDependency(clock, arrivals));
  const random = mulberry32(SEED);
  await Worker.register(runtime, 'worker', () => new Worker(random));

  // Caller-side retry events name the recipient; the send event tells which worker owns a message id.
  const owner = new Map<string, string>();
  const delays = new Map<string, number[]>(WORKERS.map((w) => [w, []]));
  runtime.events.on('send', (e) => {
    if (e.message instanceof Query && e.sender !== undefined) owner.set(e.messageId, e.sender.key);
  });
  runtime.events.on('retry', (e) => delays.get(owner.get(e.messageId)!)!.push(e.delayMs / 1000));
  runtime.start();

  const jobs = WORKERS.map((key) => runtime.sendMessage(new Job(jitter), new AgentId('worker', key)));
  await settle(clock, Promise.all(jobs));
  await runtime.stopWhenIdle();
  return { delays, arrivals };
}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const plain = await herd('none');
  log('Without jitter (all agents retry at identical times):');
  for (const [worker, delays] of plain.delays) log(`  Agent ${worker}: ${pyList(delays)}`);
  log(`  ${load(plain.arrivals)}`);

  log('');
  const jittered = await herd('full');
  log(`With full jitter (spread out to avoid thundering herd; seed ${SEED}):`);
  for (const [worker, delays] of jittered.delays) log(`  Agent ${worker}: ${pyList(delays)}`);
  log(`  ${load(jittered.arrivals)}`);
}

/** Summarises when the retries reached the dependency. */
function load(retries: readonly number[]): string {
  const perInstant = new Map<number, number>();
  for (const at of retries) perInstant.set(at, (perInstant.get(at) ?? 0) + 1);
  const largest = Math.max(...perInstant.values());
  const instants = [...perInstant.keys()].map((at) => `${(at / 1000).toFixed(2)}s`);
  const where = largest > 1 ? ` at ${instants.join(', ')}` : '';
  return `Dependency load: ${retries.length} retries at ${perInstant.size} distinct instants, up to ${largest} at once${where}`;
}

/** Formats delays in seconds as the seed prints them: `[1.0, 2.0, 0.82]`. */
function pyList(values: readonly number[]): string {
  return `[${values
    .map((v) => {
      const r = Math.round(v * 100) / 100;
      return Number.isInteger(r) ? r.toFixed(1) : String(r);
    })
    .join(', ')}]`;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
