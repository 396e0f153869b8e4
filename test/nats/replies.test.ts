import { randomUUID } from 'node:crypto';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  agentHeaders,
  connectNats,
  ensureRequestConsumer,
  ensureRequestStream,
  isFinalReply,
  MessageCodec,
  MessageValidationError,
  openJetStream,
  publishReply,
  publishRequest,
  readRequest,
  ReplyInbox,
  requestQueue,
  type ReplyEnvelope,
} from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';

class ResearchQuery {
  constructor(readonly topic: string) {}
}
class ResearchResult {
  constructor(readonly findings: string[]) {}
}

const codec = new MessageCodec({ now: () => 1_767_225_600_000 }).register(ResearchQuery).register(ResearchResult);

/** A promise and the function that resolves it (replies arrive over the network: tests await them, never sleep). */
function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

natsSuite('replies from a worker to the caller’s inbox', (server) => {
  let caller: NatsConnection;
  let worker: NatsConnection;
  let client: JetStreamClient;
  let workerJs: JetStreamClient;
  let manager: JetStreamManager;

  beforeAll(async () => {
    [caller, worker] = await Promise.all([connectNats({ servers: server().url, name: 'caller' }), connectNats({ servers: server().url, name: 'worker' })]);
    ({ client, manager } = await openJetStream(caller));
    ({ client: workerJs } = await openJetStream(worker));
    await ensureRequestStream(manager, { ackWaitMs: 3_000 });
  });
  afterAll(async () => {
    await Promise.all([caller?.close(), worker?.close()]);
  });

  it('carries a request from caller to worker and its acknowledgments and answer back, in order: accepted → processing → completed', async () => {
    const inbox = await ReplyInbox.open(caller);
    const seen: string[] = [];
    const replies: ReplyEnvelope[] = [];
    const final = signal();
    const request = codec.toEnvelope(new ResearchQuery('AI'), { type: 'request', to: { type: 'researcher', key: 'k1' }, requestId: randomUUID() });
    inbox.expect(request.request_id, (reply, from) => {
      seen.push(`${reply.status} from ${from}`);
      replies.push(reply);
      if (isFinalReply(reply)) final.resolve();
    });

    const accepted = await publishRequest(client, request, { replyTo: inbox.subject });
    seen.push('accepted');

    // the worker: pull, say it is processing, answer, then ack
    const consumer = await ensureRequestConsumer(manager, 'researcher', accepted.partition, { ackWaitMs: 3_000 });
    const message = (await (await workerJs.consumers.get(requestQueue.stream, consumer.name)).next({ expires: 2_000 }))!;
    const replyTo = message.headers?.get(agentHeaders.replyTo);
    expect(replyTo).toBe(inbox.subject);
    const { envelope } = readRequest(message);
    const query = codec.fromEnvelope(envelope) as ResearchQuery;
    publishReply(worker, replyTo!, { v: 1, type: 'status', status: 'processing', from: envelope.to, request_id: envelope.request_id, metadata: {} }, { worker: 'w1' });
    const answer = codec.toEnvelope(new ResearchResult([`${query.topic} is trending`]), { type: 'response', from: envelope.to, requestId: envelope.request_id });
    publishReply(worker, replyTo!, answer, { worker: 'w1' });
    expect(await message.ackAck()).toBe(true);

    await final.promise;
    expect(inbox.pending).toBe(0);
    expect(seen).toEqual(['accepted', 'processing from w1', 'completed from w1']);
    expect(codec.fromEnvelope(replies[1]!)).toEqual(new ResearchResult(['AI is trending']));
    inbox.close();
  });

  it('routes replies by request id, drops those nobody expects, and reports undecodable ones', async () => {
    const undecodable = signal<unknown>();
    const inbox = await ReplyInbox.open(caller, { onError: (error) => undecodable.resolve(error) });
    const got: string[] = [];
    const final = signal();
    inbox.expect('req-a', (reply) => {
      got.push(`a:${reply.status}`);
      final.resolve();
    });
    const stop = inbox.expect('req-b', (reply) => got.push(`b:${reply.status}`));
    stop();

    const failed = codec.toFailureEnvelope(new Error('boom'), { type: 'response', from: 'researcher/k1', requestId: 'req-a' });
    publishReply(worker, inbox.subject, { ...failed, request_id: 'req-b' }, { worker: 'w1' }); // nobody expects b any more
    worker.publish(inbox.subject, 'not an envelope');
    publishReply(worker, inbox.subject, failed, { worker: 'w1' });

    await final.promise; // one connection, one subject: replies arrive in the order they were sent
    expect(got).toEqual(['a:failed']);
    expect(inbox.pending).toBe(0);
    expect(await undecodable.promise).toBeInstanceOf(MessageValidationError);
    inbox.close();
  });

  it('reports an error a listener throws instead of losing it, and keeps routing', async () => {
    const reported = signal<unknown>();
    const inbox = await ReplyInbox.open(caller, { onError: (error) => reported.resolve(error) });
    inbox.expect('req-c', () => {
      throw new Error('listener bug');
    });
    publishReply(worker, inbox.subject, { v: 1, type: 'status', status: 'received', from: 'researcher/k1', request_id: 'req-c', metadata: {} }, { worker: 'w1' });
    expect(((await reported.promise) as Error).message).toBe('listener bug');
    expect(inbox.pending).toBe(1); // a status is not final: still expecting the answer
    inbox.close();
    expect(inbox.pending).toBe(0);
  });
});
