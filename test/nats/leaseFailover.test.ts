import { randomUUID } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { expect, it } from 'vitest';
import { ensureRequestConsumer, ensureRequestStream, isFinalReply, publishRequest, ReplyInbox, requestQueue, type ReplyEnvelope } from './natsApi.js';
import { natsSuite } from './support/natsSuite.js';
import { useConnection } from './support/useConnection.js';
import { useWorkerProcesses } from './support/WorkerProcess.js';
import { COUNTER_TYPE, counterCodec, CountItem, ItemCounted } from './workers/counterMessages.js';

/*
 * The prototype of distributed.md §4.3 on agentwire/nats's building blocks, across processes: two
 * worker processes (test/nats/workers/leaseWorker.ts) compete for the one partition of `counter`; the
 * owner is held at a crash point mid-request and SIGKILLed; the other takes the partition once the
 * lease has expired and finishes every request. Nothing is lost and every side effect happens once.
 */

const LEASE_TTL_MS = 3_000;
const ACK_WAIT_MS = 2_000;
const REQUESTS = 12;
const CRASH_ON = 4; // the owner finishes three requests, then is killed on the fourth
const queue = { partitions: 1, ackWaitMs: ACK_WAIT_MS, maxDeliver: 5 };
const codec = counterCodec();

/** One request as its caller saw it. */
interface Call {
  readonly requestId: string;
  /** Its replies, as `<level> from <worker>`. */
  readonly replies: string[];
  /** Resolves once the answer arrived. */
  readonly done: Promise<void>;
  answer?: ReplyEnvelope;
}

natsSuite('failover of a partition between worker processes (distributed.md §4.3)', (server) => {
  const nats = useConnection(server, 'caller');
  const spawnWorker = useWorkerProcesses();

  it('finishes every request once the owner is SIGKILLed mid-request after its side effect: every reply arrives, every effect happens exactly once', async () => {
    const { connection, client, manager } = nats();
    await ensureRequestStream(manager, queue);
    await ensureRequestConsumer(manager, COUNTER_TYPE, 0, queue);
    const env = { NATS_URL: server().url, PARTITIONS: '1', LEASE_TTL_MS: String(LEASE_TTL_MS), ACK_WAIT_MS: String(ACK_WAIT_MS) };
    const a = spawnWorker('leaseWorker', { ...env, WORKER_ID: 'a', CRASH_AT: 'after_effect', CRASH_ON: String(CRASH_ON) });
    await a.next('own');
    const b = spawnWorker('leaseWorker', { ...env, WORKER_ID: 'b' });
    await b.next('standby'); // both compete: b tries, a holds

    const inbox = await ReplyInbox.open(connection);
    const calls = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => call(client, inbox, `item-${i}`)));
    const answered = Promise.all(calls.map((c) => c.done));

    const crash = await a.next('crash_point');
    const killedAt = Date.now();
    await a.stop(); // SIGKILL by PID, mid-request: its effect is recorded, its result is not
    const takeover = await b.next('own');
    await answered;
    await b.waitFor('done', { count: REQUESTS - CRASH_ON + 1 }); // the answer is sent before the ack
    inbox.close();

    // every request answered, after a processing acknowledgment from the worker that answered it;
    // the crashed one saw a's processing, then b's processing and answer
    for (const c of calls.filter((c) => c.requestId !== crash.requestId)) {
      const by = c.replies.at(-1)!.split(' from ')[1];
      expect(c.replies).toEqual([`processing from ${by}`, `completed from ${by}`]);
    }
    const crashed = calls.find((c) => c.requestId === crash.requestId)!;
    expect(crashed.replies).toEqual(['processing from a', 'processing from b', 'completed from b']);
    const counted = codec.fromEnvelope(crashed.answer!) as ItemCounted;
    expect(counted).toBeInstanceOf(ItemCounted);
    expect(counted.worker).toBe('b');

    // every side effect exactly once: one effect event per request across both workers, one KV entry each
    const effects = [...a.eventsNamed('effect'), ...b.eventsNamed('effect')].map((e) => e.requestId as string);
    expect(effects.sort()).toEqual(calls.map((c) => c.requestId).sort());
    expect(b.eventsNamed('effect_dedup').map((e) => e.requestId)).toEqual([crash.requestId]);
    const bucket = await new Kvm(connection).open('agent_effects');
    expect((await bucket.status()).values).toBe(REQUESTS);

    // the crashed request was redelivered to b; a finished the ones before it, b the rest
    expect(b.eventsNamed('start').find((e) => e.requestId === crash.requestId)?.deliveryCount).toBe(2);
    expect(a.eventsNamed('done')).toHaveLength(CRASH_ON - 1);
    expect(b.eventsNamed('done')).toHaveLength(REQUESTS - CRASH_ON + 1);
    expect((await manager.streams.info(requestQueue.stream)).state.messages).toBe(0);

    // failover within the lease TTL (plus b's polling and a little slack) of the kill
    const failoverMs = (takeover.at as number) - killedAt;
    expect(failoverMs).toBeLessThan(LEASE_TTL_MS + 1_000);
  }, 30_000);
});

/**
 * Publishes one request with the caller's inbox as its reply subject and records its replies as
 * `<level> from <worker>`; `done` resolves once its answer arrived.
 */
async function call(client: JetStreamClient, inbox: ReplyInbox, item: string): Promise<Call> {
  const requestId = randomUUID();
  let resolve!: () => void;
  const c: Call = { requestId, replies: [], done: new Promise<void>((r) => (resolve = r)) };
  inbox.expect(requestId, (reply, worker) => {
    c.replies.push(`${reply.status} from ${worker}`);
    if (isFinalReply(reply)) {
      c.answer = reply;
      resolve();
    }
  });
  const envelope = codec.toEnvelope(new CountItem(item), { type: 'request', to: { type: COUNTER_TYPE, key: item }, requestId });
  await publishRequest(client, envelope, { partitions: 1, replyTo: inbox.subject });
  return c;
}
