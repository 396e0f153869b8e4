/**
 * `npm run soak`: the reliability figures of the README's "Reliability" section (not part of
 * `npm test` or `npm run bench`; about a minute).
 *
 * 1. Heap before and after 1,000,000 requests through every path — plain, decorated handlers,
 *    per-call policies, `concurrency` > 1, failures, timeouts, dead letters at their cap — after
 *    forced full GCs: it must stay flat (within a few MB).
 * 2. Per-agent policy state over 200,000 distinct agent keys (caller-side breaker and adaptive
 *    timeout, and an instance-scoped handler breaker): what it retains beyond the agents themselves,
 *    bounded by `policyStateCapacity`.
 * 3. Starvation: the worst lateness of a 10 ms interval timer while two agents ping-pong without end,
 *    and how long a `stop()` scheduled on a timer takes to end that loop.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AgentId,
  type MessageContext,
  RoutedAgent,
  SimulatedClock,
  SingleThreadedAgentRuntime,
  TopicId,
  TypeSubscription,
  circuitBreaker,
  messageHandler,
} from '../src/index.js';
import { EchoAgent, FailingTickAgent, Ping, StackEcho, Tick } from './agents.js';
import { heapAfterGc } from './heap.js';

const MILLION = 1_000_000;
const BATCH = 1_000;
const KEYS = 200_000;
const ping = new Ping(1);
const failure = new Error('always');
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MB`;
const rows: string[] = [];

function row(cells: readonly string[]): void {
  rows.push(`| ${cells.join(' | ')} |`);
  process.stdout.write(`${cells.join('  ')}\n`);
}

/** Fails every request with one shared error. */
class FailingEcho extends RoutedAgent {
  @messageHandler()
  async onPing(_message: Ping): Promise<number> {
    throw failure;
  }
}

/** Never answers on its own: waits for its signal (the request's timeout) to abort. */
class HangingEcho extends RoutedAgent {
  @messageHandler()
  onPing(_message: Ping, ctx: MessageContext): Promise<number> {
    return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }));
  }
}

/** An instance-scoped handler breaker per key. */
class GuardedEcho extends RoutedAgent {
  @messageHandler()
  @circuitBreaker({ failureThreshold: 5, recoveryTimeout: 10_000, scope: 'instance' })
  async onPing(message: Ping): Promise<number> {
    return message.n + 1;
  }
}

/** The message two players pass back and forth. */
class Ball {
  constructor(readonly hits: number) {}
}

/** Answers every Ball by sending it back to the other player, for ever. */
class Player extends RoutedAgent {
  @messageHandler()
  onBall(ball: Ball, ctx: MessageContext): void {
    void ctx.sendMessage(new Ball(ball.hits + 1), new AgentId('player', ctx.recipient.key === 'a' ? 'b' : 'a')).catch(() => undefined);
  }
}

/** Sends `total` requests in batches of `BATCH`, each batch awaited with `Promise.allSettled`. */
async function burst(total: number, send: (i: number) => Promise<unknown>, between?: () => Promise<void>): Promise<void> {
  const batch: Promise<unknown>[] = new Array(BATCH);
  for (let done = 0; done < total; done += BATCH) {
    for (let i = 0; i < BATCH; i++) batch[i] = send(done + i);
    const settled = Promise.allSettled(batch); // handled before the clock moves: timeouts reject during `between`
    if (between !== undefined) await between();
    await settled;
  }
}

interface Path {
  readonly name: string;
  setUp(): Promise<{ send: (i: number) => Promise<unknown>; between?: () => Promise<void>; stop: () => Promise<void> }>;
}

async function runtimeWith(agentClass: new () => RoutedAgent, options: ConstructorParameters<typeof SingleThreadedAgentRuntime>[0] = {}, concurrency = 1): Promise<{ runtime: SingleThreadedAgentRuntime; id: AgentId }> {
  const runtime = new SingleThreadedAgentRuntime(options);
  await (agentClass as unknown as typeof EchoAgent).register(runtime, 'echo', () => new agentClass(), { concurrency });
  runtime.start();
  return { runtime, id: new AgentId('echo', 'default') };
}

const paths: readonly Path[] = [
  {
    name: 'plain requests',
    async setUp() {
      const { runtime, id } = await runtimeWith(EchoAgent);
      return { send: () => runtime.sendMessage(ping, id), stop: () => runtime.stop() };
    },
  },
  {
    name: 'decorated handler (@retry → @circuitBreaker → @timeout)',
    async setUp() {
      const { runtime, id } = await runtimeWith(StackEcho);
      return { send: () => runtime.sendMessage(ping, id), stop: () => runtime.stop() };
    },
  },
  {
    name: 'per-call policies (timeout, retry, circuitBreaker literals)',
    async setUp() {
      const { runtime, id } = await runtimeWith(EchoAgent);
      const send = (): Promise<unknown> =>
        runtime.sendMessage(ping, id, { timeout: 1_000, retry: { maxRetries: 3 }, circuitBreaker: { failureThreshold: 5, recoveryTimeout: 10_000 } });
      return { send, stop: () => runtime.stop() };
    },
  },
  {
    name: 'concurrency 4',
    async setUp() {
      const { runtime, id } = await runtimeWith(EchoAgent, {}, 4);
      return { send: () => runtime.sendMessage(ping, id), stop: () => runtime.stop() };
    },
  },
  {
    name: 'failures (every handler throws)',
    async setUp() {
      const { runtime, id } = await runtimeWith(FailingEcho);
      return { send: () => runtime.sendMessage(ping, id), stop: () => runtime.stop() };
    },
  },
  {
    name: 'timeouts (every request times out; simulated clock)',
    async setUp() {
      const clock = new SimulatedClock();
      const runtime = new SingleThreadedAgentRuntime({ clock });
      await HangingEcho.register(runtime, 'echo', () => new HangingEcho(), { concurrency: Infinity });
      runtime.start();
      const id = new AgentId('echo', 'default');
      return { send: () => runtime.sendMessage(ping, id, { timeout: 10 }), between: () => clock.advance(10), stop: () => runtime.stop() };
    },
  },
  {
    name: 'fire-and-forget chain (each handler sends on without awaiting)',
    async setUp() {
      const runtime = new SingleThreadedAgentRuntime();
      await Player.register(runtime, 'player', () => new Player());
      runtime.start();
      // one hop per "request": the rally is kept going by the players; `send` just waits for hops to happen
      void runtime.sendMessage(new Ball(0), new AgentId('player', 'a')).catch(() => undefined);
      let seen = 0;
      runtime.events.on('ack', (e) => {
        if (e.level === 'completed') seen++;
      });
      const hop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
      return {
        send: () => Promise.resolve(),
        between: async () => {
          const target = seen + BATCH;
          while (seen < target) await hop();
        },
        stop: () => runtime.stop(),
      };
    },
  },
  {
    name: 'dead letters at their cap (1,000; every publish fails)',
    async setUp() {
      const runtime = new SingleThreadedAgentRuntime({ deadLetterCapacity: 1_000 });
      await FailingTickAgent.register(runtime, 'listener', () => new FailingTickAgent());
      await runtime.addSubscription(new TypeSubscription('ticks', 'listener'));
      runtime.start();
      const topic = new TopicId('ticks', 'default');
      const tick = new Tick(1);
      const drained = async (): Promise<void> => {
        while (runtime.unprocessedMessagesCount > 0) await new Promise((resolve) => setImmediate(resolve));
      };
      return { send: () => runtime.publishMessage(tick, topic), between: drained, stop: () => runtime.stop() };
    },
  },
];

async function flatHeap(): Promise<void> {
  rows.push('', '### Heap before and after 1,000,000 requests (after forced full GCs)', '', '| path | before | after | growth |', '|---|---|---|---|');
  for (const path of paths) {
    const { send, between, stop } = await path.setUp();
    await burst(20_000, send, between); // warm-up: lazily built state exists before the first reading
    const before = heapAfterGc();
    await burst(MILLION, send, between);
    const after = heapAfterGc();
    await stop();
    row([path.name, mb(before), mb(after), mb(after - before)]);
  }
}

/** Heap retained by 200,000 keys of two agent types, each agent one request (with per-agent policy state, or without). */
async function keyedHeap(withPolicies: boolean, capacity: number | undefined): Promise<number> {
  const runtime = new SingleThreadedAgentRuntime({ policyStateCapacity: capacity });
  if (withPolicies) await GuardedEcho.register(runtime, 'guarded', () => new GuardedEcho());
  else await EchoAgent.register(runtime, 'guarded', () => new EchoAgent());
  await EchoAgent.register(runtime, 'echo', () => new EchoAgent());
  runtime.start();
  const before = heapAfterGc();
  await burst(KEYS, (i) => {
    const key = `k${i}`;
    if (!withPolicies) return Promise.all([runtime.sendMessage(ping, new AgentId('guarded', key)), runtime.sendMessage(ping, new AgentId('echo', key))]);
    return Promise.all([
      runtime.sendMessage(ping, new AgentId('guarded', key)),
      runtime.sendMessage(ping, new AgentId('echo', key), { timeout: { adaptive: { initial: 1_000 } }, circuitBreaker: { failureThreshold: 5, recoveryTimeout: 10_000 } }),
    ]);
  });
  const after = heapAfterGc();
  await runtime.stop();
  return after - before;
}

async function policyState(): Promise<void> {
  rows.push('', `### Per-agent policy state over ${KEYS.toLocaleString('en-US')} agent keys`, '', '| case | heap retained | per key |', '|---|---|---|');
  const agentsOnly = await keyedHeap(false, undefined);
  row(['the same 400,000 agents without per-agent policies', mb(agentsOnly), `${Math.round(agentsOnly / KEYS)} B`]);
  for (const capacity of [10_000, KEYS * 2]) {
    const bytes = await keyedHeap(true, capacity);
    const label = capacity === KEYS * 2 ? 'unbounded (policyStateCapacity above the key count)' : `policyStateCapacity ${capacity.toLocaleString('en-US')} (the default)`;
    row([`+ caller breaker, adaptive timeout, instance handler breaker: ${label}`, mb(bytes), `${Math.round(bytes / KEYS)} B`]);
  }
}

async function starvation(): Promise<void> {
  rows.push('', '### An endless message loop vs timers', '', '| measure | value |', '|---|---|');
  const runtime = new SingleThreadedAgentRuntime();
  await Player.register(runtime, 'player', () => new Player());
  runtime.start();
  void runtime.sendMessage(new Ball(0), new AgentId('player', 'a')).catch(() => undefined);
  let hits = 0;
  runtime.events.on('ack', (e) => {
    if (e.level === 'completed') hits++;
  });
  const lateness: number[] = [];
  let last = performance.now();
  const interval = setInterval(() => {
    const now = performance.now();
    lateness.push(Math.max(0, now - last - 10));
    last = now;
  }, 10);
  const stopAsked = await new Promise<number>((resolve) => setTimeout(() => resolve(performance.now()), 2_000));
  await runtime.stop();
  const stopTook = performance.now() - stopAsked;
  clearInterval(interval);
  lateness.sort((a, b) => a - b);
  const at = (q: number): string => `${lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))]!.toFixed(1)} ms`;
  row(['lateness of a 10 ms interval during 2 s of ping-pong: median / p99 / worst', `${at(0.5)} / ${at(0.99)} / ${at(1)} (${lateness.length} ticks; ${(hits / 2).toLocaleString('en-US')} hops/s meanwhile)`]);
  row(['a timer calling stop() after 2 s: the loop ended after', `${(stopTook + 2_000).toFixed(0)} ms`]);
  const hop = await immediateCost();
  row(['cost of the yield: one setImmediate hop per 10 ms slice of continuous work', `${hop.toFixed(0)} ns per hop (${((hop / 10_000_000) * 100).toFixed(3)} % of a slice)`]);
}

/** Nanoseconds per `setImmediate` hop (median of 5 runs of 10,000). */
async function immediateCost(): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) await new Promise((resolve) => setImmediate(resolve));
    runs.push(Number(process.hrtime.bigint() - start) / 10_000);
  }
  return runs.sort((a, b) => a - b)[2]!;
}

async function main(): Promise<void> {
  const started = Date.now();
  rows.push(`# agentwire soak, ${new Date().toISOString().slice(0, 10)}`, '', `node ${process.version}; \`npm run soak\`.`);
  await starvation(); // first: the heaps built later make full GCs that would delay its timers
  await flatHeap();
  await policyState();
  const file = fileURLToPath(new URL('../../bench/results/soak.md', import.meta.url));
  writeFileSync(file, `${rows.join('\n')}\n\nFull run: ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
  process.stdout.write(`\nwrote ${file}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
