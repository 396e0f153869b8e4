import { randomUUID } from 'node:crypto';
import { AckPolicy, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { beforeEach, expect, it } from 'vitest';
import {
  agentHeaders,
  BrokerMisconfiguredError,
  connectNats,
  ensureEventStream,
  ensureRequestConsumer,
  ensureRequestStream,
  eventStream,
  openJetStream,
  MessageCodec,
  MessageValidationError,
  partitionOf,
  publishRequest,
  readRequest,
  requestQueue,
  type RequestAccepted,
} from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

class ResearchQuery {
  constructor(readonly topic: string) {}
}

/** Test timings (distributed.md §6.1): AckWait 3 s, pull expires 2 s. */
const TEST_QUEUE = { ackWaitMs: 3_000, duplicateWindowMs: 60_000 } as const;
const PULL = { expires: 2_000 } as const;

const codec = new MessageCodec({ now: () => 1_767_225_600_000 }).register(ResearchQuery);

function requestFor(key: string, topic = 'AI', requestId: string = randomUUID()) {
  return codec.toEnvelope(new ResearchQuery(topic), {
    type: 'request',
    to: { type: 'researcher', key },
    from: { type: 'client', key: 'default' },
    requestId,
    metadata: { deadline: 1_767_225_630_000 },
  });
}

natsSuite('the durable request stream on a real server', (server) => {
  const nats = useConnection(server);
  let client: JetStreamClient;
  let manager: JetStreamManager;

  beforeEach(async () => {
    ({ client, manager } = nats());
    await manager.streams.delete(requestQueue.stream).catch(() => false); // each case starts without AGENT_IN
  });

  /** Pulls the next request of the recipient's partition through its durable consumer. */
  async function pull(accepted: RequestAccepted, type = 'researcher'): Promise<JsMsg> {
    const consumer = await ensureRequestConsumer(manager, type, accepted.partition, TEST_QUEUE);
    const message = await (await client.consumers.get(requestQueue.stream, consumer.name)).next(PULL);
    if (message === null) throw new Error(`nothing to pull on ${consumer.name}`);
    return message;
  }

  it('creates AGENT_IN as a file-stored work queue on agent.in.> with producer dedup, once', async () => {
    const created = await ensureRequestStream(manager, TEST_QUEUE);
    expect(created.config).toMatchObject({
      name: 'AGENT_IN',
      subjects: ['agent.in.>'],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: 1,
      duplicate_window: 60_000_000_000,
      max_age: 7 * 24 * 3_600 * 1e9,
    });
    const again = await ensureRequestStream(manager, { duplicateWindowMs: 1_000 }); // kept as it is
    expect(again.config.duplicate_window).toBe(60_000_000_000);
    expect(again.created).toEqual(created.created);
  });

  it('publishes a request envelope and resolves at "accepted" once the broker stored it; a retry is a duplicate', async () => {
    await ensureRequestStream(manager, TEST_QUEUE);
    const envelope = requestFor('k1');
    const accepted = await publishRequest(client, envelope);
    expect(accepted).toEqual({
      requestId: envelope.request_id,
      stream: 'AGENT_IN',
      seq: 1,
      duplicate: false,
      subject: 'agent.in.researcher.12',
      partition: partitionOf('researcher', 'k1', 32),
    });

    const retried = await publishRequest(client, envelope); // a lost PubAck: the same request id again
    expect(retried).toMatchObject({ seq: 1, duplicate: true });
    expect((await manager.streams.info(requestQueue.stream)).state.messages).toBe(1);
  });

  it('delivers it through the partition’s durable consumer; decoding restores the message; ackAck removes it', async () => {
    await ensureRequestStream(manager, TEST_QUEUE);
    const envelope = requestFor('k1');
    const accepted = await publishRequest(client, envelope);

    const message = await pull(accepted);
    expect(message.subject).toBe('agent.in.researcher.12');
    expect(message.headers?.get('Nats-Msg-Id')).toBe(envelope.request_id);
    expect(message.headers?.get(agentHeaders.kind)).toBe('rpc');
    expect(message.headers?.get(agentHeaders.targetType)).toBe('researcher');
    expect(message.headers?.get(agentHeaders.targetKey)).toBe('k1');
    expect(message.headers?.get(agentHeaders.requestId)).toBe(envelope.request_id);
    expect(message.headers?.get(agentHeaders.deadline)).toBe('1767225630000');

    const received = readRequest(message);
    expect(received).toEqual({ envelope, deliveryCount: 1, streamSeq: accepted.seq });
    const query = codec.fromEnvelope(received.envelope);
    expect(query).toBeInstanceOf(ResearchQuery);
    expect(query).toEqual(new ResearchQuery('AI'));

    expect(await message.ackAck()).toBe(true);
    expect((await manager.streams.info(requestQueue.stream)).state.messages).toBe(0); // work queue: acked means gone
  });

  it('names where to answer in the envelope and in the Agent-Reply-To header; an envelope naming its own keeps it', async () => {
    await ensureRequestStream(manager, TEST_QUEUE);
    const accepted = await publishRequest(client, requestFor('k1'), { replyTo: '_INBOX.caller' });
    const message = await pull(accepted);
    expect(message.headers?.get(agentHeaders.replyTo)).toBe('_INBOX.caller');
    const received = readRequest(message);
    expect(received.replyTo).toBe('_INBOX.caller');
    expect(received.envelope.metadata.reply_to).toBe('_INBOX.caller');
    message.term();

    const own = requestFor('k1');
    const named = await publishRequest(client, { ...own, metadata: { ...own.metadata, reply_to: '_INBOX.own' } }, { replyTo: '_INBOX.other' });
    const namedMessage = await pull(named);
    expect(namedMessage.headers?.get(agentHeaders.replyTo)).toBe('_INBOX.own');
    expect(readRequest(namedMessage).replyTo).toBe('_INBOX.own');
    namedMessage.term();
  });

  it('reads where to answer from the Agent-Reply-To header when the envelope names nowhere (a producer that sets only the header)', async () => {
    await ensureRequestStream(manager, TEST_QUEUE);
    const h = headers();
    h.set(agentHeaders.replyTo, '_INBOX.header-only');
    await client.publish(requestQueue.subject('researcher', 12), JSON.stringify(requestFor('k1')), { headers: h });
    const message = await pull({ partition: 12 } as RequestAccepted);
    expect(readRequest(message)).toMatchObject({ replyTo: '_INBOX.header-only', envelope: { metadata: { deadline: 1_767_225_630_000 } } });
    message.term();
  });

  it('refuses a reply address that is not a subject to publish on, before anything is published', async () => {
    await ensureRequestStream(manager, TEST_QUEUE);
    for (const replyTo of ['_INBOX.*', 'with space', 'a..b']) {
      await expect(publishRequest(client, requestFor('k1'), { replyTo })).rejects.toThrow(/expected a reply subject.*at metadata\.reply_to/s);
    }
    expect((await manager.streams.info(requestQueue.stream)).state.messages).toBe(0);
  });

  it('redelivers a request that was not acknowledged, counting the deliveries', async () => {
    await ensureRequestStream(manager, TEST_QUEUE);
    const accepted = await publishRequest(client, requestFor('k2'));
    const first = await pull(accepted);
    first.nak(); // a failed attempt: redeliver now
    const second = await pull(accepted);
    expect(readRequest(second)).toMatchObject({ deliveryCount: 2, streamSeq: accepted.seq });
    expect(await second.ackAck()).toBe(true);
  });

  it('routes by type and partition only: keys with dots, spaces and slashes stay out of subjects', async () => {
    await ensureRequestStream(manager, TEST_QUEUE);
    const key = 'user 42.orders/7 > *';
    const accepted = await publishRequest(client, requestFor(key), { partitions: 4 });
    expect(accepted.subject).toBe(`agent.in.researcher.${partitionOf('researcher', key, 4)}`);
    const consumer = await ensureRequestConsumer(manager, 'researcher', accepted.partition, { ...TEST_QUEUE, partitions: 4 });
    const message = await (await client.consumers.get(requestQueue.stream, consumer.name)).next(PULL);
    expect(message?.headers?.get(agentHeaders.targetKey)).toBe(key);
    expect(readRequest(message!).envelope.to).toBe(`researcher/${key}`);
    await message!.ackAck();
  });

  it('creates each partition’s consumer durable, filtered, with explicit acks and the queue’s timings, once', async () => {
    await ensureRequestStream(manager, TEST_QUEUE);
    const consumer = await ensureRequestConsumer(manager, 'team.alpha', 5, { ...TEST_QUEUE, maxDeliver: 3 });
    expect(consumer.name).toBe('in_~7465616d2e616c706861_5');
    expect(consumer.config).toMatchObject({
      durable_name: 'in_~7465616d2e616c706861_5',
      filter_subject: 'agent.in.~7465616d2e616c706861.5',
      ack_policy: AckPolicy.Explicit,
      ack_wait: 3_000_000_000,
      max_deliver: 3,
      max_ack_pending: 256,
    });
    expect((await ensureRequestConsumer(manager, 'team.alpha', 5, TEST_QUEUE)).created).toEqual(consumer.created);
    await expect(ensureRequestConsumer(manager, 'team.alpha', 32, TEST_QUEUE)).rejects.toThrow(/partition must be an integer in 0…31, received 32/);
  });

  it('refuses to publish when no stream stores requests, saying to create it', async () => {
    const error: unknown = await publishRequest(client, requestFor('k1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerMisconfiguredError);
    expect((error as Error).message).toMatch(/^No NATS stream stores agent\.in\.researcher\.12: the request stream AGENT_IN is missing\. Create it with ensureRequestStream/);
  });

  it('refuses an existing AGENT_IN that is not a work queue, and a consumer with another filter, saying how to fix them', async () => {
    await manager.streams.add({ name: 'AGENT_IN', subjects: ['agent.in.>'], retention: RetentionPolicy.Limits, storage: StorageType.Memory });
    await expect(ensureRequestStream(manager)).rejects.toSatisfy(
      (e: unknown) => e instanceof BrokerMisconfiguredError && /retention "limits".*nats stream rm AGENT_IN/.test(e.message),
    );
    await manager.consumers.add('AGENT_IN', { durable_name: 'in_researcher_3', filter_subject: 'agent.in.researcher.4', ack_policy: AckPolicy.Explicit });
    await expect(ensureRequestConsumer(manager, 'researcher', 3)).rejects.toSatisfy(
      (e: unknown) => e instanceof BrokerMisconfiguredError && /filter "agent\.in\.researcher\.4".*nats consumer rm AGENT_IN in_researcher_3/.test(e.message),
    );
  });

  it('refuses to encode an invalid envelope (nothing is published) and to read anything but a request', async () => {
    await ensureRequestStream(manager, TEST_QUEUE);
    await expect(publishRequest(client, { ...requestFor('k1'), to: 'no-slash' })).rejects.toBeInstanceOf(MessageValidationError);
    expect((await manager.streams.info(requestQueue.stream)).state.messages).toBe(0);

    const broadcast = codec.toEnvelope(new ResearchQuery('AI'), { type: 'broadcast', to: { type: 'news', source: 'k1' }, requestId: 'evt-1' });
    await client.publish(requestQueue.subject('researcher', 12), JSON.stringify(broadcast));
    const message = await pull({ partition: 12 } as RequestAccepted);
    expect(() => readRequest(message)).toThrow(/expected a "request" envelope in the request stream, received "broadcast"/);
    message.term();
  });
});

natsSuite('streams created by processes that start together', (server) => {
  it('gives every process the one stream when several create it at the same time', async () => {
    const connections = await Promise.all([1, 2, 3, 4].map((n) => connectNats({ servers: server().url, name: `starting ${n}` })));
    try {
      const managers = await Promise.all(connections.map(async (connection) => (await openJetStream(connection)).manager));
      const requests = await Promise.all(managers.map((manager) => ensureRequestStream(manager)));
      const events = await Promise.all(managers.map((manager) => ensureEventStream(manager)));
      expect(new Set(requests.map((info) => info.config.name))).toEqual(new Set([requestQueue.stream]));
      expect(new Set(events.map((info) => info.config.name))).toEqual(new Set([eventStream.stream]));
    } finally {
      await Promise.all(connections.map((connection) => connection.close()));
    }
  });

  it('uses the stream another process created after this one found it missing, when the server refuses this creation', async () => {
    const connection = await connectNats({ servers: server().url, name: 'late creator' });
    try {
      const { manager } = await openJetStream(connection);
      const existing = await ensureRequestStream(manager); // created by another process, with its settings
      let lookups = 0;
      const streams = new Proxy(manager.streams, {
        get: (target, name) =>
          name === 'info' && lookups++ === 0
            ? () => Promise.reject(Object.assign(new Error('stream not found'), { name: 'StreamNotFoundError' })) // it was missing when this process looked
            : (Reflect.get(target, name) as (...args: unknown[]) => unknown).bind(target),
      });
      const racing = new Proxy(manager, { get: (target, name) => (name === 'streams' ? streams : Reflect.get(target, name)) });
      const info = await ensureRequestStream(racing, { maxAgeMs: 3_600_000 }); // other settings: the server refuses this creation
      expect(info.config.name).toBe(requestQueue.stream);
      expect(info.config.max_age).toBe(existing.config.max_age); // the one that exists
      expect(info.config.max_age).not.toBe(3_600_000 * 1_000_000);
      expect(lookups).toBe(2);
    } finally {
      await connection.close();
    }
  });
});
