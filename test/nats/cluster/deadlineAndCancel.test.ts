import type { Subscription } from '@nats-io/transport-node';
import { expect, it } from 'vitest';
import { AgentId, CancelledError, TimeoutError } from '../../../src/index.js';
import { NatsAgentRuntime, partitionOf, requestQueue } from '../natsApi.js';
import { MULTI_PROCESS_TEST_TIMEOUT_MS } from '../support/multiProcessTimeout.js';
import { natsSuite } from '../support/natsSuite.js';
import { turnsLogged } from '../support/turnsLogged.js';
import { useConnection } from '../support/useConnection.js';
import { useWorkerProcesses } from '../support/WorkerProcess.js';
import { clusterCodec, HoldItem } from '../workers/clusterMessages.js';
import { CountItem, type ItemCounted } from '../workers/counterMessages.js';

const PARTITIONS = 4;

/** The next message on `subscription` (a JetStream advisory), parsed. */
async function nextAdvisory(subscription: Subscription): Promise<Record<string, unknown>> {
  for await (const message of subscription) return message.json<Record<string, unknown>>();
  throw new Error('the advisory subscription ended');
}

natsSuite('Deadlines and cancellation across processes (distributed.md §6.2 case 8)', (server) => {
  const handles = useConnection(server);
  const spawnWorker = useWorkerProcesses();
  /** A worker of `type` whose leases outlive a short freeze (4 s TTL: fresh for 3 s after a renewal). */
  const startWorker = async (type: string) => {
    const worker = spawnWorker('clusterWorker', { NATS_URL: server().url, WORKER_ID: `worker-${type}`, AGENT_TYPE: type, PARTITIONS: String(PARTITIONS), LEASE_TTL_MS: '4000' });
    await worker.waitFor('ready');
    return worker;
  };
  const client = () => {
    const runtime = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: clusterCodec(), partitions: PARTITIONS });
    runtime.start();
    return runtime;
  };

  it('fails a call to a slow handler in another process with TimeoutError at the caller’s limit, and aborts the handler’s ctx.signal there', async () => {
    const worker = await startWorker('slow');
    const caller = client();
    const error = await caller.sendMessage(new HoldItem('too slow'), new AgentId('slow', 'k'), { timeout: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 300 });
    const aborted = await worker.next((event) => event.event === 'aborted' && event.item === 'too slow');
    expect(aborted.reason).toBe('CancelledError'); // by the caller's cancel, before the worker's copy of the deadline (a backstop) ends it
    await caller.stop();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);

  it('aborts the handler’s ctx.signal in the worker process with CancelledError when the caller cancels', async () => {
    const worker = await startWorker('cancelled');
    const caller = client();
    const controller = new AbortController();
    const reply = caller.sendMessage(new HoldItem('never mind'), new AgentId('cancelled', 'k'), { signal: controller.signal }).catch((e: unknown) => e);
    const held = await worker.next('held');
    controller.abort();
    expect(await reply).toBeInstanceOf(CancelledError);
    expect(await worker.next('aborted')).toMatchObject({ item: 'never mind', messageId: held.messageId, reason: 'CancelledError' });
    await caller.stop();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);

  it('terminates a request whose deadline passed before a worker took it: never run, never redelivered', async () => {
    const type = 'expiring';
    const worker = await startWorker(type);
    const partition = partitionOf(type, 'k', PARTITIONS);
    const consumer = requestQueue.consumer(type, partition);
    const terminated = handles().connection.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${requestQueue.stream}.${consumer}`, { max: 1 });
    await handles().connection.flush();
    const caller = client();

    await worker.freeze(); // it takes nothing until the caller has given up
    const late = await caller.sendMessage(new CountItem('late'), new AgentId(type, 'k'), { timeout: 200 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(TimeoutError);
    await worker.resume();
    const advisory = await nextAdvisory(terminated);
    expect(advisory).toMatchObject({ stream: requestQueue.stream, consumer, deliveries: 1 });

    const next = await caller.sendMessage<ItemCounted>(new CountItem('next'), new AgentId(type, 'k')); // same partition, after the late one
    expect(next.item).toBe('next');
    await turnsLogged([worker], [next]);
    expect(worker.eventsNamed('enter').map((event) => event.item)).toEqual(['next']);
    // the worker answers before it stores and acks: the ack follows the answer
    const info = () => handles().manager.consumers.info(requestQueue.stream, consumer);
    await expect.poll(async () => (await info()).num_ack_pending).toBe(0);
    expect(await info()).toMatchObject({ num_pending: 0, num_ack_pending: 0, num_redelivered: 0 });
    await caller.stop();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);
});
