import { randomUUID } from 'node:crypto';
import type { Consumer } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import { beforeAll, expect, it } from 'vitest';
import {
  agentHeaders,
  BrokerMisconfiguredError,
  ConfigurationError,
  deadLetter,
  DeadLetterMover,
  type MovedDeadLetter,
  deadLetterQueue,
  ensureDeadLetterStream,
  ensureRequestConsumer,
  ensureRequestStream,
  MessageCodec,
  publishRequest,
  readRequest,
  requestQueue,
} from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';

class Parse {
  constructor(readonly text: string) {}
}

const codec = new MessageCodec().register(Parse);
const MAX_DELIVER = 3;
const queue = { partitions: 1, ackWaitMs: 2_000, maxDeliver: MAX_DELIVER };

natsSuite('poison requests to the dead-letter stream AGENT_DLQ', (server) => {
  const nats = useConnection(server);

  beforeAll(async () => {
    await ensureRequestStream(nats().manager, queue);
  });

  /** Publishes a request to `type` and returns its id and the partition's consumer. */
  async function enqueue(type: string, text: string): Promise<{ requestId: string; consumer: Consumer }> {
    const { client, manager } = nats();
    const requestId = randomUUID();
    const envelope = codec.toEnvelope(new Parse(text), { type: 'request', to: { type, key: 'k1' }, requestId });
    await publishRequest(client, envelope, { partitions: 1, replyTo: '_INBOX.caller' });
    const info = await ensureRequestConsumer(manager, type, 0, queue);
    return { requestId, consumer: await client.consumers.get(requestQueue.stream, info.name) };
  }

  it('refuses to give up on a request while the dead-letter stream is missing, keeping the request', async () => {
    const { requestId, consumer } = await enqueue('orphan', 'x');
    const message = (await consumer.next({ expires: 2_000 }))!;
    await expect(deadLetter(nats().client, message, 'bad input')).rejects.toBeInstanceOf(BrokerMisconfiguredError);
    message.nak();
    const again = (await consumer.next({ expires: 2_000 }))!; // not terminated: delivered again
    expect(readRequest(again).envelope.request_id).toBe(requestId);
    expect(again.info.deliveryCount).toBe(2);
    await again.ackAck();
  });

  it('copies a request naked until its last delivery to AGENT_DLQ with its headers, body and delivery count, then removes it from the work queue', async () => {
    const { client, manager, connection } = nats();
    expect((await ensureDeadLetterStream(manager)).config.subjects).toEqual([deadLetterQueue.subjects]);
    const { requestId, consumer } = await enqueue('parser.v2', 'not json');

    const terminated = firstMessage(connection.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${requestQueue.stream}.>`));
    await connection.flush();
    let dead;
    for (;;) {
      const message = (await consumer.next({ expires: 2_000 }))!;
      const { deliveryCount } = readRequest(message);
      if (deliveryCount < MAX_DELIVER) {
        message.nak(); // a retriable failure: deliver again
        continue;
      }
      dead = await deadLetter(client, message, 'handler failed 3 times: SyntaxError: Unexpected token');
      break;
    }
    expect(dead).toMatchObject({ subject: 'agent.dlq.~7061727365722e7632', duplicate: false }); // the type's subject token
    const copy = (await manager.streams.getMessage(deadLetterQueue.stream, { last_by_subj: dead.subject }))!;
    expect(copy.header.get(agentHeaders.requestId)).toBe(requestId);
    expect(copy.header.get(agentHeaders.targetType)).toBe('parser.v2');
    expect(copy.header.get(agentHeaders.targetKey)).toBe('k1');
    expect(copy.header.get(agentHeaders.replyTo)).toBe('_INBOX.caller');
    expect(copy.header.get(agentHeaders.deliveryCount)).toBe(String(MAX_DELIVER));
    expect(copy.header.get(agentHeaders.deadLetterReason)).toMatch(/failed 3 times/);
    expect(copy.header.get(agentHeaders.originalSubject)).toBe(requestQueue.subject('parser.v2', 0));
    expect(codec.fromEnvelope(parseBody(copy.data))).toEqual(new Parse('not json'));

    expect(await terminated).toMatchObject({ stream: requestQueue.stream, consumer: requestQueue.consumer('parser.v2', 0), deliveries: MAX_DELIVER });
    const info = await manager.consumers.info(requestQueue.stream, requestQueue.consumer('parser.v2', 0));
    expect(info.num_ack_pending + info.num_pending).toBe(0);
    expect((await manager.streams.getMessage(requestQueue.stream, { last_by_subj: requestQueue.subject('parser.v2', 0) }).catch(() => null)) ?? null).toBeNull();
  });

  it('moves a request naked on every delivery to AGENT_DLQ on the MAX_DELIVERIES advisory, copy first, then deletes it from the work queue', async () => {
    const { manager, connection } = nats();
    await ensureDeadLetterStream(manager);
    let resolveMoved!: (moved: MovedDeadLetter) => void;
    const moved = new Promise<MovedDeadLetter>((resolve) => (resolveMoved = resolve));
    const mover = await DeadLetterMover.start(connection, { onMoved: resolveMoved });
    const { requestId, consumer } = await enqueue('summarizer', 'too long');

    for (let delivery = 1; delivery <= MAX_DELIVER; delivery++) {
      const message = (await consumer.next({ expires: 2_000 }))!;
      expect(message.info.deliveryCount).toBe(delivery);
      message.nak(); // the handler failed (or its worker died) every time
    }
    const lastPull = consumer.next({ expires: 1_000 }); // the server gives up when it tries delivery MAX + 1
    const { requestSeq, subject, deliveries } = await moved;
    expect(await lastPull).toBeNull(); // never delivered again

    expect(deliveries).toBe(MAX_DELIVER);
    const copy = (await manager.streams.getMessage(deadLetterQueue.stream, { last_by_subj: subject }))!;
    expect(copy.header.get(agentHeaders.requestId)).toBe(requestId);
    expect(copy.header.get(agentHeaders.deliveryCount)).toBe(String(MAX_DELIVER));
    expect(copy.header.get(agentHeaders.deadLetterReason)).toBe(`gave up after ${MAX_DELIVER} deliveries (max_deliver reached)`);
    expect(copy.header.get(agentHeaders.originalSeq)).toBe(String(requestSeq));
    expect(codec.fromEnvelope(parseBody(copy.data))).toEqual(new Parse('too long'));
    expect(await manager.streams.getMessage(requestQueue.stream, { seq: requestSeq })).toBeNull();
    expect(await mover.move(requestSeq, MAX_DELIVER)).toBeUndefined(); // moved once: a second mover finds nothing
    await mover.stop();
  });

  it('stores a request dead-lettered twice (a crash between the copy and the term) once', async () => {
    const { client, manager } = nats();
    await ensureDeadLetterStream(manager);
    const { consumer } = await enqueue('mailer', 'bad address');
    const message = (await consumer.next({ expires: 2_000 }))!;
    const first = await deadLetter(client, message, 'permanent: invalid address');
    const second = await deadLetter(client, message, 'permanent: invalid address');
    expect(second).toEqual({ ...first, duplicate: true });
    expect((await manager.streams.info(deadLetterQueue.stream, { subjects_filter: first.subject })).state.subjects).toEqual({ [first.subject]: 1 });
  });

  it('keeps an existing AGENT_DLQ on agent.dlq.>, refuses one on other subjects, and checks its settings', async () => {
    const { manager } = nats();
    await expect(ensureDeadLetterStream(manager, { maxAgeMs: 0 })).rejects.toBeInstanceOf(ConfigurationError);
    await manager.streams.delete(deadLetterQueue.stream).catch(() => false);
    await manager.streams.add({ name: deadLetterQueue.stream, subjects: ['dead.>'] });
    const error = await ensureDeadLetterStream(manager).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerMisconfiguredError);
    expect(String((error as Error).message)).toMatch(/AGENT_DLQ exists with subjects \[dead\.>\].*nats stream rm AGENT_DLQ/);
    await manager.streams.delete(deadLetterQueue.stream);
    const created = await ensureDeadLetterStream(manager, { maxAgeMs: 60_000 });
    expect(created.config).toMatchObject({ retention: 'limits', storage: 'file', max_age: 60_000 * 1_000_000 });
    expect((await ensureDeadLetterStream(manager, { maxAgeMs: 120_000 })).config.max_age).toBe(60_000 * 1_000_000); // kept as it is
  });
});

/** The first message of a subscription, as JSON (the server's advisories are JSON). */
async function firstMessage(subscription: Subscription): Promise<unknown> {
  for await (const message of subscription) {
    subscription.unsubscribe();
    return message.json();
  }
  throw new Error('the subscription ended without a message');
}

/** The request envelope a dead letter carries as its body (the original request's body). */
function parseBody(data: Uint8Array) {
  return JSON.parse(new TextDecoder().decode(data));
}
