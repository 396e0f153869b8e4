import { AgentId, RoutedAgent, SingleThreadedAgentRuntime, TopicId, TypeSubscription, messageHandler } from '../src/index.js';
import { EchoAgent, Ping, Tick, echoRuntime } from './agents.js';
import { type Target, bytesPer, group, heapAfterGc, record, tick } from './harness.js';
import { MinimalDispatcher } from './minimalDispatcher.js';

const PENDING = 100_000;
const AGENTS = 20_000;
const DEAD = 20_000;
const MILLION = 1_000_000;
const ping = new Ping(1);
const failure = new Error('always');

/** Fails every published Tick (each becomes a dead letter). */
class FailingAgent extends RoutedAgent {
  @messageHandler()
  async onTick(_message: Tick): Promise<void> {
    throw failure;
  }
}

const atMostBytes = (limit: number) => (_ratio: number, value: number): Target => ({ text: `≤ ${limit} B`, pass: value <= limit });

/** Bytes per queued request in agentwire (runtime not started, so every request stays pending). */
async function pendingRequestBytes(timeout: number | undefined): Promise<number> {
  const runtime = new SingleThreadedAgentRuntime();
  await EchoAgent.register(runtime, 'echo', () => new EchoAgent());
  const id = new AgentId('echo', 'default');
  await runtime.get(id, undefined, { lazy: false });
  const promises: Promise<unknown>[] = new Array(PENDING).fill(undefined);
  const options = timeout === undefined ? undefined : { timeout };
  const bytes = await bytesPer(PENDING, (count) => {
    for (let i = 0; i < count; i++) promises[i] = runtime.sendMessage(ping, id, options);
    return promises;
  });
  for (const p of promises) p.catch(() => undefined);
  runtime.start();
  await runtime.stop(); // rejects them all and clears their timers
  return bytes;
}

/** Bytes per queued request in the minimal dispatcher (its one handler never finishes). */
async function minimalPendingBytes(): Promise<number> {
  const md = new MinimalDispatcher();
  md.register('echo/default', () => new Promise(() => undefined));
  const promises: Promise<unknown>[] = new Array(PENDING).fill(undefined);
  return bytesPer(PENDING, (count) => {
    for (let i = 0; i < count; i++) promises[i] = md.send('echo/default', ping);
    return promises;
  });
}

async function idleAgentBytes(): Promise<number> {
  const runtime = new SingleThreadedAgentRuntime();
  await EchoAgent.register(runtime, 'echo', () => new EchoAgent());
  const keys = Array.from({ length: AGENTS }, (_, k) => `k${k}`);
  return bytesPer(AGENTS, async (count) => {
    for (let k = 0; k < count; k++) await runtime.get('echo', keys[k]!, { lazy: false });
    return runtime;
  });
}

async function deadLetterBytes(): Promise<number> {
  const runtime = new SingleThreadedAgentRuntime({ deadLetterCapacity: DEAD * 2 });
  await FailingAgent.register(runtime, 'failing', () => new FailingAgent());
  await runtime.addSubscription(new TypeSubscription('dl', 'failing'));
  const topic = new TopicId('dl', 'default');
  const message = new Tick(1);
  runtime.start();
  await runtime.publishMessage(message, topic); // creates the agent before measuring
  await runtime.stopWhenIdle();
  runtime.start();
  const before = runtime.deadLetters.list().length;
  const bytes = await bytesPer(DEAD, async (count) => {
    for (let i = 0; i < count; i++) await runtime.publishMessage(message, topic);
    while (runtime.deadLetters.list().length < before + count) await tick();
    return runtime;
  });
  await runtime.stop();
  return bytes;
}

async function millionRequests(): Promise<{ before: number; after: number }> {
  const { runtime, id } = await echoRuntime();
  const batch: Promise<unknown>[] = new Array(1_000);
  const burst = async (total: number): Promise<void> => {
    for (let done = 0; done < total; done += batch.length) {
      for (let i = 0; i < batch.length; i++) batch[i] = runtime.sendMessage(ping, id);
      await Promise.all(batch);
    }
  };
  await burst(20_000);
  const before = heapAfterGc();
  await burst(MILLION);
  const after = heapAfterGc();
  await runtime.stop();
  return { before, after };
}

/** Scenario 6: memory. */
export async function memory(): Promise<void> {
  group('6. memory (heap delta after GC)');
  const minimal = await minimalPendingBytes();
  record('minimal dispatcher: bytes per pending request', minimal, { unit: 'B' });
  record('agentwire: bytes per pending request', await pendingRequestBytes(undefined), {
    unit: 'B', baselineName: 'minimal', baseline: minimal, target: atMostBytes(400),
  });
  record('agentwire: bytes per pending request, timeout option', await pendingRequestBytes(60_000), {
    unit: 'B', baselineName: 'minimal', baseline: minimal, target: atMostBytes(600),
  });
  record('agentwire: bytes per idle agent instance (20,000 keys)', await idleAgentBytes(), { unit: 'B' });
  record('agentwire: bytes per dead letter (20,000, shared error)', await deadLetterBytes(), { unit: 'B' });
  const { before, after } = await millionRequests();
  record('heap before 1,000,000 requests', before / 2 ** 20, { unit: 'MB' });
  record('heap after 1,000,000 requests', after / 2 ** 20, {
    unit: 'MB',
    baselineName: 'before',
    baseline: before / 2 ** 20,
    target: (_r, value) => ({ text: 'flat (< +1 MB)', pass: value - before / 2 ** 20 < 1 }),
  });
}
