import { expect, it } from 'vitest';
import { AgentId, DeadLetteredError, type DeadLetterRecord } from '../../src/index.js';
import { agentHeaders, deadLetterQueue, NatsAgentRuntime } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';
import { counterCodec, CountItem } from './workers/counterMessages.js';

const partitions = 2;
const leaseTtlMs = 1_000;
const env = (url: string, workerId: string, type: string, maxDeliver: number) => ({ NATS_URL: url, WORKER_ID: workerId, AGENT_TYPE: type, PARTITIONS: String(partitions), LEASE_TTL_MS: String(leaseTtlMs), MAX_DELIVER: String(maxDeliver), ACK_WAIT_MS: '1500' });

/** The cluster dead letter of request `messageId` as the runtime lists it, once it does. */
function listedDeadLetter(runtime: NatsAgentRuntime, messageId: string): Promise<DeadLetterRecord> {
  const held = runtime.deadLetters.list().find((record) => record.messageId === messageId);
  if (held !== undefined) return Promise.resolve(held);
  return new Promise((resolve) => {
    const listener = (record: DeadLetterRecord): void => {
      if (record.messageId !== messageId) return;
      runtime.events.off('deadLetter', listener);
      resolve(record);
    };
    runtime.events.on('deadLetter', listener);
  });
}

natsSuite('poison messages with worker processes (distributed.md §6.2 case 7)', (server) => {
  const nats = useConnection(server);
  const spawnWorker = useWorkerProcesses();

  /** A client runtime in the test process (it hosts nothing). */
  async function client(): Promise<NatsAgentRuntime> {
    const runtime = new NatsAgentRuntime({ servers: server().url, codec: counterCodec(), partitions, leaseTtlMs });
    runtime.start();
    await runtime.ready();
    return runtime;
  }

  it('a request whose handler always fails retriably is redelivered up to maxDeliver, then lands in AGENT_DLQ with its reason and delivery count, and its caller gets failed(dead-lettered) before its deadline', async () => {
    const worker = spawnWorker('poisonWorker', env(server().url, 'worker-busy', 'busy', 3));
    await worker.waitFor('ready');
    const caller = await client();
    const sentAt = Date.now();
    const error = await caller.sendMessage(new CountItem('busy-1'), new AgentId('busy', 'k1'), { messageId: 'busy-1', timeout: 10_000 }).catch((e: unknown) => e);

    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(DeadLetteredError);
    expect(error).toMatchObject({ code: 'DEAD_LETTERED', messageId: 'busy-1', agentId: new AgentId('busy', 'k1') });
    expect(worker.eventsNamed('attempt').map((event) => event.item)).toEqual(['busy-1', 'busy-1', 'busy-1']);
    const record = await listedDeadLetter(caller, 'busy-1');
    expect(record).toMatchObject({ attempts: 3, recipient: new AgentId('busy', 'k1') });
    const copy = (await nats().manager.streams.getMessage(deadLetterQueue.stream, { seq: Number(record.id.slice(4)) }))!;
    expect(copy.header.get(agentHeaders.deliveryCount)).toBe('3');
    expect(copy.header.get(agentHeaders.deadLetterReason)).toMatch(/failed on all 3 deliveries.*too busy for busy-1/);
    await caller.stop();
    await worker.stop();
  }, 15_000); // a worker process's start-up is slow on a loaded machine

  it('a request that crashes every worker it reaches is moved to AGENT_DLQ after maxDeliver deliveries, and its caller gets failed(dead-lettered) before its deadline', async () => {
    const caller = await client();
    const first = spawnWorker('poisonWorker', env(server().url, 'crash-1', 'crashing', 2));
    await first.waitFor('ready');
    const reply = caller.sendMessage(new CountItem('crash-1'), new AgentId('crashing', 'k2'), { messageId: 'crash-1', timeout: 20_000 }).catch((e: unknown) => e);
    await first.waitFor('crashing');
    await first.exited;
    const second = spawnWorker('poisonWorker', env(server().url, 'crash-2', 'crashing', 2)); // takes the partition after the lease TTL, gets delivery 2
    await second.waitFor('crashing');
    await second.exited;
    const third = spawnWorker('poisonWorker', env(server().url, 'crash-3', 'crashing', 2)); // its pull makes the server give up: the mover moves it

    const error = await reply;
    expect(error).toBeInstanceOf(DeadLetteredError);
    expect((error as Error).message).toMatch(/delivered 2 times \(max_deliver\) without being answered/);
    const record = await listedDeadLetter(caller, 'crash-1');
    expect(record).toMatchObject({ attempts: 2, recipient: new AgentId('crashing', 'k2') });
    expect(third.eventsNamed('attempt')).toEqual([]); // never delivered a third time
    await caller.stop();
    await third.stop();
  }, 20_000); // two lease takeovers and ack waits of real time (≈ 5 s)
});
