import { randomUUID } from 'node:crypto';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ensureRequestConsumer, ensureRequestStream, isFinalReply, kvToken, publishRequest, requestQueue, type ReplyEnvelope, type ReplyInbox } from '../natsApi.js';
import type { WorkerProcess } from './WorkerProcess.js';
import { counterCodec, CountItem } from '../workers/counterMessages.js';

/*
 * The setting of the lease-worker scenarios (distributed.md §4.3 on the building blocks): one
 * partition of `counter`, two worker processes (test/nats/workers/leaseWorker.ts) competing for its
 * lease, and the caller's side.
 */

/** Test timings (distributed.md §6.1, shortened): lease TTL and AckWait, in ms. */
export const LEASE_TTL_MS = 3_000;
export const ACK_WAIT_MS = 2_000;
/** The request queue of the scenarios: one partition. */
export const scenarioQueue = { partitions: 1, ackWaitMs: ACK_WAIT_MS, maxDeliver: 5 } as const;

const codec = counterCodec();

/**
 * Creates the queue of agent type `type`, starts worker `a` (with `crash`, e.g. `{ CRASH_AT: 'after_effect',
 * CRASH_ON: '3' }`), waits until it owns the partition, then starts worker `b` and waits until it
 * has tried and failed to take it: both compete, `a` holds.
 */
export async function startCompetingWorkers(
  spawnWorker: (program: string, env: Record<string, string>) => WorkerProcess,
  manager: JetStreamManager,
  natsUrl: string,
  type: string,
  crash: Record<string, string>,
): Promise<{ a: WorkerProcess; b: WorkerProcess }> {
  await ensureRequestStream(manager, scenarioQueue);
  await ensureRequestConsumer(manager, type, 0, scenarioQueue);
  const env = { NATS_URL: natsUrl, AGENT_TYPE: type, PARTITIONS: '1', LEASE_TTL_MS: String(LEASE_TTL_MS), ACK_WAIT_MS: String(ACK_WAIT_MS) };
  const a = spawnWorker('leaseWorker', { ...env, WORKER_ID: 'a', ...crash });
  await a.next('own');
  const b = spawnWorker('leaseWorker', { ...env, WORKER_ID: 'b' });
  await b.next('standby');
  return { a, b };
}

/** One request as its caller saw it. */
export interface Call {
  readonly requestId: string;
  /** Its replies, as `<level> from <worker>`. */
  readonly replies: string[];
  /** Resolves once the answer arrived. */
  readonly done: Promise<void>;
  answer?: ReplyEnvelope;
}

/**
 * Publishes one request to `type/item` with the caller's inbox as its reply subject and records its replies as
 * `<level> from <worker>`; `done` resolves once its answer arrived.
 */
export async function call(client: JetStreamClient, inbox: ReplyInbox, type: string, item: string): Promise<Call> {
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
  const envelope = codec.toEnvelope(new CountItem(item), { type: 'request', to: { type, key: item }, requestId });
  await publishRequest(client, envelope, { partitions: 1, replyTo: inbox.subject });
  return c;
}

/** How many of the requests have their side effect recorded in `agent_effects` (each at most once: it is a KV create). */
export async function effectsRecorded(connection: NatsConnection, requestIds: readonly string[]): Promise<number> {
  const bucket = await new Kvm(connection).open('agent_effects');
  const entries = await Promise.all(requestIds.map((id) => bucket.get(kvToken(id))));
  return entries.filter((entry) => entry !== null && entry.operation === 'PUT').length;
}

/** Requests of the type's partition still queued or unacknowledged. */
export async function unfinishedRequests(manager: JetStreamManager, type: string): Promise<number> {
  const info = await manager.consumers.info(requestQueue.stream, requestQueue.consumer(type, 0));
  return info.num_pending + info.num_ack_pending;
}
