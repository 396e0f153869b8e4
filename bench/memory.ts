/**
 * Scenario 7: memory (heap deltas after forced full GC).
 *
 * (a) bytes per request queued in a mailbox (100,000 behind one gated handler), plain and with a
 *     `timeout` option, against the mailbox baseline with the same queue (and, for the timeout, a
 *     caller-side deadline in its shared deadline list);
 * (b) bytes per request pending *inside* its handler (20,000 agents, each handler started and
 *     awaiting), plain and with `@timeout(60_000)`, against the baseline running the same agent
 *     method (with a handler-side deadline per turn for the timeout case);
 * (c) the heap before and after 1,000,000 requests (it must stay flat; measured first), bytes per
 *     idle agent instance and per dead letter (one shared error; a new Error each; its stack read too).
 *
 * agentwire and the baseline are measured alternately over rounds and compared round by round.
 */
import { RoutedAgent, SingleThreadedAgentRuntime, TopicId, TypeSubscription, messageHandler } from '../src/index.js';
import { EchoAgent, FailingTickAgent, Ping, Tick, echoRuntime } from './agents.js';
import { config, tick } from './harness.js';
import { bytesPer, heapAfterGc } from './heap.js';
import { agentwireInHandler, agentwireQueued, baselineInHandler, baselineQueued, probeRounds } from './pendingProbes.js';
import { group, record } from './report.js';
import { ratioAtMost, valueAtMost } from './targets.js';

const QUEUED = 100_000;
const IN_HANDLER = 20_000;
const AGENTS = 20_000;
const DEAD = 20_000;
const MILLION = 1_000_000;
const ping = new Ping(1);
/** Fails every published Tick with an error of its own, as real handlers do (a stack trace each). */
class FreshlyFailingAgent extends RoutedAgent {
  @messageHandler()
  async onTick(message: Tick): Promise<void> {
    throw new Error(`tick ${message.n} failed`);
  }
}

const invalidIf = (failures: number): string | undefined => (failures > 0 ? `${failures} requests failed while measuring` : undefined);

async function queued(): Promise<void> {
  const { stats, failures } = await probeRounds(config.memoryRounds, {
    agentwire: () => agentwireQueued(QUEUED, (runtime, id) => runtime.sendMessage(ping, id)),
    baseline: () => baselineQueued(QUEUED),
    agentwireTimeout: () => agentwireQueued(QUEUED, (runtime, id) => runtime.sendMessage(ping, id, { timeout: 60_000 })),
    baselineTimeout: () => baselineQueued(QUEUED, 60_000),
  });
  const n = QUEUED.toLocaleString('en-US');
  record({ scenario: `bytes per queued request (${n} queued)`, unit: 'B', agentwire: stats.get('agentwire')!, baseline: { name: 'mailbox baseline', value: stats.get('baseline')! }, target: valueAtMost(400, 'B'), invalid: invalidIf(failures) });
  record({ scenario: `bytes per queued request, { timeout: 60_000 } (${n} queued)`, unit: 'B', agentwire: stats.get('agentwireTimeout')!, baseline: { name: 'baseline + shared deadline', value: stats.get('baselineTimeout')! }, target: valueAtMost(600, 'B'), invalid: invalidIf(failures) });
}

async function inHandler(): Promise<void> {
  const { stats, failures } = await probeRounds(config.memoryRounds, {
    agentwire: () => agentwireInHandler(IN_HANDLER, false),
    baseline: () => baselineInHandler(IN_HANDLER, undefined),
    agentwireTimeout: () => agentwireInHandler(IN_HANDLER, true),
    baselineTimeout: () => baselineInHandler(IN_HANDLER, 60_000),
  });
  const n = IN_HANDLER.toLocaleString('en-US');
  record({ scenario: `bytes per request pending inside its handler (${n} agents)`, unit: 'B', agentwire: stats.get('agentwire')!, baseline: { name: 'mailbox baseline', value: stats.get('baseline')! }, target: ratioAtMost(1.5), invalid: invalidIf(failures) });
  record({ scenario: `same, @timeout(60_000) on the handler`, unit: 'B', agentwire: stats.get('agentwireTimeout')!, baseline: { name: 'baseline + handler deadline', value: stats.get('baselineTimeout')! }, target: ratioAtMost(1.5), invalid: invalidIf(failures) });
}

async function idleAgentBytes(): Promise<number> {
  const runtime = new SingleThreadedAgentRuntime();
  await EchoAgent.register(runtime, 'echo', () => new EchoAgent());
  const keys = Array.from({ length: AGENTS }, (_, k) => `k${k}`);
  return bytesPer(
    AGENTS,
    async (count) => {
      for (let k = 0; k < count; k++) await runtime.get('echo', keys[k]!, { lazy: false });
      return runtime;
    },
    () => undefined,
  );
}

/** Bytes per dead letter; `readStacks`: every record's `error.stack` is read (as logging it does), which makes V8 format it. */
async function deadLetterBytes(agentClass: typeof FailingTickAgent | typeof FreshlyFailingAgent, readStacks = false): Promise<number> {
  const runtime = new SingleThreadedAgentRuntime({ deadLetterCapacity: DEAD * 2 });
  await agentClass.register(runtime, 'failing', () => new agentClass());
  await runtime.addSubscription(new TypeSubscription('dl', 'failing'));
  const topic = new TopicId('dl', 'default');
  const message = new Tick(1);
  runtime.start();
  await runtime.publishMessage(message, topic); // creates the agent before measuring
  await runtime.stopWhenIdle();
  runtime.start();
  const before = runtime.deadLetters.list().length;
  const bytes = await bytesPer(
    DEAD,
    async (count) => {
      for (let i = 0; i < count; i++) await runtime.publishMessage(message, topic);
      while (runtime.deadLetters.list().length < before + count) await tick();
      if (readStacks) for (const record of runtime.deadLetters.list()) void (record.error as Error).stack;
      return runtime;
    },
    () => runtime.stop(),
  );
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

/** First in the group: later probes leave parked 60 s deadline timers that keep their runtimes alive until they fire. */
async function flatHeap(): Promise<void> {
  const { before, after } = await millionRequests();
  const mb = (v: number): number => v / 2 ** 20;
  record({
    scenario: 'heap after 1,000,000 requests vs before',
    unit: 'MB',
    agentwire: mb(after),
    baseline: { name: 'heap before', value: mb(before) },
    target: { text: 'flat (< +1 MB)', judge: (_ratio, value) => value - mb(before) < 1 },
  });
}

async function others(): Promise<void> {
  record({ scenario: 'bytes per idle agent instance (20,000 keys)', unit: 'B', agentwire: await idleAgentBytes() });
  record({ scenario: 'bytes per dead letter (20,000, one shared error)', unit: 'B', agentwire: await deadLetterBytes(FailingTickAgent) });
  record({ scenario: 'bytes per dead letter (20,000, a new Error each)', unit: 'B', agentwire: await deadLetterBytes(FreshlyFailingAgent) });
  record({ scenario: 'same, after reading each error.stack (as logging does)', unit: 'B', agentwire: await deadLetterBytes(FreshlyFailingAgent, true) });
}

/** Scenario 7: memory. */
export async function memory(): Promise<void> {
  group(`7. memory (heap delta after forced GC; median of ${config.memoryRounds} rounds, agentwire and baseline alternating)`);
  await flatHeap();
  await queued();
  await inHandler();
  await others();
}
