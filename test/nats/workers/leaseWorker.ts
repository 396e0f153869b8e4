/*
 * The worker of the prototype of distributed.md §4.3, built on agentwire/nats's building blocks (not on
 * NatsAgentRuntime): it competes for the partition leases of one agent type (`counter` by default), pulls only the
 * partitions it holds, and handles each request in turn:
 *
 *   fence (lease fresh?) → stored result? replay it → reply `processing`, heartbeat `working()` →
 *   side effect, once per request id (a KV create in `agent_effects`) → fence again →
 *   store the result → reply `completed` → ackAck.
 *
 * Settings (environment): NATS_URL, WORKER_ID, AGENT_TYPE (counter), PARTITIONS (1), LEASE_TTL_MS (3000), ACK_WAIT_MS (2000),
 * CRASH_AT = before_effect | after_effect | after_result | before_ack, CRASH_ON (1).
 * Events: ready, standby (first failed acquire), own, lost, start, effect, effect_dedup, replayed,
 * fenced_skip, fenced_abort, done, crash_point, error.
 */
import type { JsMsg } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import {
  agentHeaders,
  connectNats,
  kvToken,
  openJetStream,
  PartitionLeases,
  publishReply,
  readRequest,
  requestQueue,
  ResultStore,
  type PartitionLease,
  type ReplyEnvelope,
} from '../../../src/nats/index.js';
import { isWrongRevision } from '../../../src/nats/isWrongRevision.js';
import { crashPoint, emit, numberEnv, requiredEnv } from '../support/workerEvents.js';
import { COUNTER_TYPE, counterCodec, CountItem, ItemCounted } from './counterMessages.js';

const workerId = requiredEnv('WORKER_ID');
const agentType = process.env.AGENT_TYPE || COUNTER_TYPE;
const partitions = numberEnv('PARTITIONS', 1);
const ttlMs = numberEnv('LEASE_TTL_MS', 3_000);
const ackWaitMs = numberEnv('ACK_WAIT_MS', 2_000);
const codec = counterCodec();

const connection = await connectNats({ servers: requiredEnv('NATS_URL'), name: workerId });
const { client } = await openJetStream(connection);
const leases = await PartitionLeases.open(connection, { workerId, ttlMs });
const results = await ResultStore.open(connection);
const effects = await new Kvm(connection).create('agent_effects', { history: 1 });
emit('ready', { pid: process.pid });

for (let partition = 0; partition < partitions; partition++) void servePartition(partition).catch((error) => emit('error', { message: String(error) }));

/** Competes for the partition's lease for ever; while holding it, renews it and handles its requests. */
async function servePartition(partition: number): Promise<void> {
  let announcedStandby = false;
  for (;;) {
    const lease = await leases.acquire(agentType, partition);
    if (lease === undefined) {
      if (!announcedStandby) emit('standby', { partition });
      announcedStandby = true;
      await delay(ttlMs / 10); // the worker's own polling, not a test's sleep
      continue;
    }
    emit('own', { partition, revision: lease.revision });
    await holdPartition(lease);
    emit('lost', { partition });
  }
}

/** Renews the lease every TTL/3 and pulls the partition (short pulls, one request at a time) until a renewal fails. */
async function holdPartition(acquired: PartitionLease): Promise<void> {
  const held = { lease: acquired as PartitionLease | undefined };
  const renewal = setInterval(() => {
    if (held.lease !== undefined) void leases.renew(held.lease).then((renewed) => (held.lease = renewed));
  }, ttlMs / 3);
  const consumer = await client.consumers.get(requestQueue.stream, requestQueue.consumer(agentType, acquired.partition));
  try {
    while (held.lease !== undefined) {
      const message = await consumer.next({ expires: 1_000 });
      if (message !== null) await handle(message, () => held.lease);
    }
  } finally {
    clearInterval(renewal);
  }
}

async function handle(message: JsMsg, lease: () => PartitionLease | undefined): Promise<void> {
  const { envelope, deliveryCount } = readRequest(message);
  const requestId = envelope.request_id;
  const replyTo = message.headers?.get(agentHeaders.replyTo) ?? '';
  const fresh = () => {
    const current = lease();
    return current !== undefined && leases.isFresh(current);
  };
  if (!fresh()) {
    emit('fenced_skip', { requestId });
    return message.nak();
  }
  const stored = await results.find(requestId);
  if (stored !== undefined) {
    reply(replyTo, stored);
    await message.ackAck();
    return emit('replayed', { requestId, deliveryCount });
  }
  reply(replyTo, { v: 1, type: 'status', status: 'processing', from: envelope.to, request_id: requestId, metadata: {} });
  emit('start', { requestId, deliveryCount });
  const heartbeat = setInterval(() => message.working(), ackWaitMs / 3);
  try {
    await crashPoint('before_effect', { requestId });
    await sideEffect(effects, requestId);
    await crashPoint('after_effect', { requestId });
    if (!fresh()) {
      emit('fenced_abort', { requestId });
      return message.nak();
    }
    const { item } = codec.fromEnvelope(envelope) as CountItem;
    const answer = await results.store(codec.toEnvelope(new ItemCounted(item, workerId), { type: 'response', from: envelope.to, requestId }));
    await crashPoint('after_result', { requestId });
    reply(replyTo, answer);
    await crashPoint('before_ack', { requestId });
    await message.ackAck();
    emit('done', { requestId, deliveryCount });
  } finally {
    clearInterval(heartbeat);
  }
}

/** The side effect: a KV create keyed by the request id, so a re-run is recorded as a dedup hit, never twice. */
async function sideEffect(bucket: KV, requestId: string): Promise<void> {
  try {
    await bucket.create(kvToken(requestId), workerId);
    emit('effect', { requestId });
  } catch (error) {
    if (!isWrongRevision(error)) throw error;
    emit('effect_dedup', { requestId });
  }
}

function reply(replyTo: string, envelope: ReplyEnvelope): void {
  if (replyTo !== '') publishReply(connection, replyTo, envelope, { worker: workerId });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
