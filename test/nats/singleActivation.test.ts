import { expect, it } from 'vitest';
import { AgentId, MessageCodec, RoutedAgent, messageHandler } from '../../src/index.js';
import { NatsAgentRuntime, PartitionLeases } from './natsApi.js';
import { balancedLeases } from './support/balancedLeases.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';
import { counterCodec, CountItem, ItemCounted } from './workers/counterMessages.js';

class Question {
  constructor(readonly text: string) {}
}

/** Notes, per agent key, the questions it handles, in the map of the worker that hosts it. */
class Scribe extends RoutedAgent {
  constructor(private readonly seen: Map<string, string[]>) {
    super('notes questions');
  }

  @messageHandler()
  note(question: Question): string {
    const key = String(this.id);
    this.seen.set(key, [...(this.seen.get(key) ?? []), question.text]);
    return question.text.toUpperCase();
  }
}

/** Counts items like the worker program runtimeWorker.ts, in this process. */
class Counter extends RoutedAgent {
  constructor(private readonly workerId: string) {
    super('counts items');
  }

  @messageHandler()
  count(request: CountItem): ItemCounted {
    return new ItemCounted(request.item, this.workerId);
  }
}

const partitions = 4;
const leaseTtlMs = 1_000;
const codec = (): MessageCodec => new MessageCodec().register(Question);
const options = (url: string, workerId: string) => ({ servers: url, codec: codec(), partitions, leaseTtlMs, ackWaitMs: 2_000, pullExpiresMs: 1_000, workerId });

/** A worker hosting `type`, its handled questions kept in `seen`. */
async function worker(url: string, workerId: string, type: string, seen: Map<string, string[]>): Promise<NatsAgentRuntime> {
  const runtime = new NatsAgentRuntime(options(url, workerId));
  await runtime.registerFactory(type, () => new Scribe(seen));
  return runtime;
}

/** Sends `count` questions to `agents` agents of `type` (round robin) and waits for every answer. */
async function ask(client: NatsAgentRuntime, type: string, count: number, agents: number, tag: string): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => client.sendMessage<string>(new Question(`${tag}${i}`), new AgentId(type, `k${i % agents}`))));
}

natsSuite('NatsAgentRuntime single activation (partition leases)', (server) => {
  const handles = useConnection(server);

  it('splits the partitions of a type between two workers, each partition held and each agent served by one worker only', async () => {
    const seenA = new Map<string, string[]>();
    const seenB = new Map<string, string[]>();
    const a = await worker(server().url, 'worker-a', 'scribe1', seenA);
    const b = await worker(server().url, 'worker-b', 'scribe1', seenB);
    a.start();
    b.start();
    await Promise.all([a.ready(), b.ready()]);
    const holders = await balancedLeases(handles().connection, 'scribe1', partitions, 2);
    expect(holders.filter((holder) => holder === 'worker-a')).toHaveLength(2);
    expect(holders.filter((holder) => holder === 'worker-b')).toHaveLength(2);

    const client = new NatsAgentRuntime(options(server().url, 'client'));
    client.start();
    const answers = await ask(client, 'scribe1', 200, 20, 'q');
    expect(answers).toEqual(Array.from({ length: 200 }, (_, i) => `Q${i}`));
    const keysA = [...seenA.keys()];
    const keysB = [...seenB.keys()];
    expect(keysA.filter((key) => seenB.has(key))).toEqual([]); // no agent activated in both
    expect(keysA.length + keysB.length).toBe(20);
    expect(keysA.length).toBeGreaterThan(0);
    expect(keysB.length).toBeGreaterThan(0);
    for (let k = 0; k < 20; k++) {
      expect(seenA.get(`scribe1/k${k}`) ?? seenB.get(`scribe1/k${k}`)).toEqual(Array.from({ length: 10 }, (_, n) => `q${k + 20 * n}`));
    }
    await client.stopWhenIdle();
    await Promise.all([a.stopWhenIdle(), b.stopWhenIdle()]);
  });

  it('hands a stopped worker’s partitions to the other worker, which answers the requests sent meanwhile', async () => {
    const seenA = new Map<string, string[]>();
    const seenB = new Map<string, string[]>();
    const a = await worker(server().url, 'worker-a', 'scribe2', seenA);
    a.start();
    await a.ready(); // started first: takes every partition, then gives half to b
    const b = await worker(server().url, 'worker-b', 'scribe2', seenB);
    b.start();
    await b.ready();
    const client = new NatsAgentRuntime(options(server().url, 'client'));
    client.start();
    await balancedLeases(handles().connection, 'scribe2', partitions, 2); // the later worker gets its share
    await ask(client, 'scribe2', 20, 20, 'before');
    expect(seenA.size).toBeGreaterThan(0);
    expect(seenB.size).toBeGreaterThan(0);

    await a.stop(); // releases its leases
    const stoppedAt = performance.now();
    await ask(client, 'scribe2', 40, 20, 'after');
    const takeoverMs = performance.now() - stoppedAt;
    expect([...seenA.values()].flat().filter((text) => text.startsWith('after'))).toEqual([]);
    expect(new Set([...seenB.values()].flat().filter((text) => text.startsWith('after')).map((text) => Number(text.slice(5)) % 20)).size).toBe(20);
    expect(takeoverMs).toBeLessThan(leaseTtlMs + 1_500);
    await client.stopWhenIdle();
    await b.stopWhenIdle();
  });

  it('takes over the partitions of an owner that died without releasing them, after the lease TTL', async () => {
    const dead = await PartitionLeases.open(handles().connection, { workerId: 'dead-worker', ttlMs: leaseTtlMs });
    const taken = await Promise.all(Array.from({ length: partitions }, (_, p) => dead.acquire('scribe3', p)));
    expect(taken.every((lease) => lease !== undefined)).toBe(true); // never renewed: the owner is gone
    const takenAt = performance.now();
    const seen = new Map<string, string[]>();
    const survivor = await worker(server().url, 'worker-b', 'scribe3', seen);
    survivor.start();
    await survivor.ready();
    const client = new NatsAgentRuntime(options(server().url, 'client'));
    client.start();
    const answers = await ask(client, 'scribe3', 20, 20, 'q');
    const takeoverMs = performance.now() - takenAt;
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => `Q${i}`));
    expect(seen.size).toBe(20);
    expect(takeoverMs).toBeGreaterThanOrEqual(leaseTtlMs * 0.9);
    expect(takeoverMs).toBeLessThan(leaseTtlMs + 2_000);
    await client.stopWhenIdle();
    await survivor.stopWhenIdle();
  });

  const spawnWorker = useWorkerProcesses();

  it('takes over the partitions of a worker process killed without releasing them, and answers the requests sent meanwhile', async () => {
    const doomed = spawnWorker('runtimeWorker', { NATS_URL: server().url, WORKER_ID: 'worker-doomed', AGENT_TYPE: 'counter4', PARTITIONS: String(partitions), LEASE_TTL_MS: String(leaseTtlMs) });
    await doomed.waitFor('ready');
    const survivor = new NatsAgentRuntime({ ...options(server().url, 'worker-b'), codec: counterCodec() });
    await survivor.registerFactory('counter4', () => new Counter('worker-b'));
    survivor.start();
    await survivor.ready();
    await balancedLeases(handles().connection, 'counter4', partitions, 2);
    const client = new NatsAgentRuntime({ ...options(server().url, 'client'), codec: counterCodec() });
    client.start();
    const before = await Promise.all(Array.from({ length: 20 }, (_, i) => client.sendMessage<ItemCounted>(new CountItem(`before${i}`), new AgentId('counter4', `k${i}`))));
    expect(new Set(before.map((answer) => answer.worker))).toEqual(new Set(['worker-doomed', 'worker-b']));

    doomed.signal('SIGKILL'); // its leases and presence stay until the TTL ends them
    await doomed.exited;
    const killedAt = performance.now();
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => client.sendMessage<ItemCounted>(new CountItem(`after${i}`), new AgentId('counter4', `k${i}`))));
    const takeoverMs = performance.now() - killedAt;
    expect(after.map((answer) => answer.worker)).toEqual(Array.from({ length: 20 }, () => 'worker-b'));
    expect(takeoverMs).toBeLessThan(leaseTtlMs + 2_000);
    await client.stopWhenIdle();
    await survivor.stopWhenIdle();
  });
});
