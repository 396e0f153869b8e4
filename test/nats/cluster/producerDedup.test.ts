import { randomUUID } from 'node:crypto';
import { createInbox, type Msg } from '@nats-io/transport-node';
import { expect, it } from 'vitest';
import { AgentId } from '../../../src/index.js';
import { agentHeaders, NatsAgentRuntime, publishRequest, requestQueue, partitionOf } from '../natsApi.js';
import { MULTI_PROCESS_TEST_TIMEOUT_MS } from '../support/multiProcessTimeout.js';
import { natsSuite } from '../support/natsSuite.js';
import { turnsLogged } from '../support/turnsLogged.js';
import { useConnection } from '../support/useConnection.js';
import { useWorkerProcesses } from '../support/WorkerProcess.js';
import { clusterCodec } from '../workers/clusterMessages.js';
import { CountItem, ItemCounted } from '../workers/counterMessages.js';

const PARTITIONS = 4;

natsSuite('Producer retry deduplication (distributed.md §6.2 case 9)', (server) => {
  const handles = useConnection(server);
  const spawnWorker = useWorkerProcesses();

  it('stores a request published twice (its first PubAck lost) once: the second PubAck is a duplicate, the handler runs once, one answer comes back', async () => {
    const type = 'dedup';
    const worker = spawnWorker('clusterWorker', { NATS_URL: server().url, WORKER_ID: 'worker-dedup', AGENT_TYPE: type, PARTITIONS: String(PARTITIONS) });
    await worker.waitFor('ready');
    const { connection, client, manager } = handles();
    const inbox = createInbox();
    const replies: Msg[] = [];
    let answered: () => void = () => undefined;
    const answer = new Promise<void>((resolve) => (answered = resolve));
    connection.subscribe(inbox, {
      callback: (_error, reply) => {
        replies.push(reply);
        if (reply.headers?.get(agentHeaders.ack) === 'completed') answered();
      },
    });
    await connection.flush();
    const requestId = randomUUID();
    const envelope = clusterCodec().toEnvelope(new CountItem('once'), { type: 'request', to: new AgentId(type, 'k'), requestId });

    const first = await publishRequest(client, envelope, { replyTo: inbox, partitions: PARTITIONS });
    const retried = await publishRequest(client, envelope, { replyTo: inbox, partitions: PARTITIONS }); // the producer never saw the first PubAck
    expect(first.duplicate).toBe(false);
    expect(retried).toMatchObject({ duplicate: true, seq: first.seq, requestId });
    await answer;
    // A later request to the same partition is served after anything queued before it: once it is answered, a second run would have happened.
    const caller = new NatsAgentRuntime({ servers: server().url, workerId: 'client', codec: clusterCodec(), partitions: PARTITIONS });
    caller.start();
    const after = await caller.sendMessage<ItemCounted>(new CountItem('after'), new AgentId(type, 'k'));
    await turnsLogged([worker], [after]);

    expect(worker.eventsNamed('enter').map((event) => event.item)).toEqual(['once', 'after']);
    const finals = replies.filter((reply) => reply.headers?.get(agentHeaders.correlationId) === requestId && reply.headers.get(agentHeaders.ack) === 'completed');
    expect(finals).toHaveLength(1);
    expect(clusterCodec().fromEnvelope(finals[0]!.json())).toEqual(new ItemCounted('once', 'worker-dedup'));
    const info = () => manager.consumers.info(requestQueue.stream, requestQueue.consumer(type, partitionOf(type, 'k', PARTITIONS)));
    await expect.poll(async () => (await info()).num_ack_pending).toBe(0); // the worker acks after it answered and stored
    const consumer = await info();
    expect(consumer).toMatchObject({ num_pending: 0, num_ack_pending: 0, num_redelivered: 0 });
    expect(consumer.delivered.stream_seq - first.seq).toBe(1); // delivered: the request, then `after`; nothing in between
    await caller.stop();
  }, MULTI_PROCESS_TEST_TIMEOUT_MS);
});
