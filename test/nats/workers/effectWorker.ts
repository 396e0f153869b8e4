/*
 * A NatsAgentRuntime worker process for the crash cases of distributed.md §6.2 (3, 4 and 5): hosts one
 * agent type whose handler does its side effect through ctx.once (the effect: printing `effect`), with
 * deterministic crash points around it.
 *
 * Settings (environment): NATS_URL, WORKER_ID, AGENT_TYPE (counter), PARTITIONS (4), LEASE_TTL_MS (2000),
 * ACK_WAIT_MS (2000), CRASH_AT and CRASH_ON (see crashPoint): `before_effect` / `after_effect` in the
 * handler, `after_result` once the answer is stored and before it is replied and acked.
 * Events: ready; queued (a pulled request handed to the engine); start (handler entered); effect (the
 * ctx.once effect ran); effect_replayed (ctx.once returned an outcome recorded earlier, by whichever
 * worker); done (handler returned); disconnected / reconnected (the broker went away, came back); fenced (a request this worker did not start, or stopped, because its
 * partition's lease was stale or lost); crash_point / resumed.
 */
import { NatsAgentRuntime, ResultStore } from '../../../src/nats/index.js'; // first: it loads reflect-metadata
import { BaseAgent } from '../../../src/agents/BaseAgent.js';
import type { MessageContext } from '../../../src/core/MessageContext.js';
import type { AckEvent, ConnectionEvent, SendEvent } from '../../../src/core/RuntimeEvents.js';
import { FencedError } from '../../../src/errors/FencedError.js';
import type { ResponseEnvelope } from '../../../src/protocol/Envelope.js';
import { crashPoint, emit, numberEnv, requiredEnv } from '../support/workerEvents.js';
import { COUNTER_TYPE, counterCodec, type CountItem, ItemCounted } from './counterMessages.js';

const workerId = requiredEnv('WORKER_ID');

/** Counts an item; the count is a side effect done through ctx.once, keyed by the request. */
class Counter extends BaseAgent {
  constructor() {
    super('counts items, once each');
  }

  async onMessage(request: unknown, ctx: MessageContext): Promise<ItemCounted> {
    const { item } = request as CountItem;
    const id = ctx.messageId;
    emit('start', { id, item, agent: String(this.id) });
    await crashPoint('before_effect', { id, item });
    let ran = false;
    const effect = await ctx.once(`count/${id}`, () => {
      ran = true;
      emit('effect', { id, item });
      return { by: workerId };
    });
    if (!ran) emit('effect_replayed', { id, item, by: effect.by });
    await crashPoint('after_effect', { id, item });
    emit('done', { id, item });
    return new ItemCounted(item, workerId);
  }
}

// The `after_result` crash point sits between storing the answer and replying / acking it: in the result store's `store`.
const store = ResultStore.prototype.store;
ResultStore.prototype.store = async function storeThenMaybeCrash(this: ResultStore, answer: ResponseEnvelope): Promise<ResponseEnvelope> {
  const stored = await store.call(this, answer);
  await crashPoint('after_result', { id: answer.request_id });
  return stored;
};

/** True when `error` is, or was caused by, fencing. */
function fenced(error: unknown): boolean {
  return error instanceof FencedError || (error instanceof Error && error.cause instanceof FencedError);
}

const runtime = new NatsAgentRuntime({
  servers: requiredEnv('NATS_URL'),
  workerId,
  codec: counterCodec(),
  partitions: numberEnv('PARTITIONS', 4),
  leaseTtlMs: numberEnv('LEASE_TTL_MS', 2_000),
  ackWaitMs: numberEnv('ACK_WAIT_MS', 2_000),
  pullExpiresMs: 1_000,
});
runtime.events.on('send', (sent: SendEvent) => emit('queued', { id: sent.messageId }));
runtime.events.on('connection', (change: ConnectionEvent) => emit(change.status)); // disconnected / reconnected (a broker restart)
runtime.events.on('ack', (ack: AckEvent) => {
  if (ack.level === 'failed' && fenced(ack.error)) emit('fenced', { id: ack.messageId, error: String(ack.error) });
});
await runtime.registerFactory(process.env.AGENT_TYPE || COUNTER_TYPE, () => new Counter());
runtime.start();
await runtime.ready();
emit('ready', { pid: process.pid });
