/*
 * A NatsAgentRuntime worker process for poison messages (distributed.md §6.2 case 7): hosts an agent type
 * (AGENT_TYPE, default `fragile`; one per test, as a type's consumers keep the MAX_DELIVER they were made with), whose handler fails every CountItem "busy…" with an error marked retriable (retried by
 * redelivery: `redeliverRetriableErrors`), kills its own process on "crash…" (a worker crash loop), and
 * answers anything else.
 *
 * Settings (environment): NATS_URL, WORKER_ID, AGENT_TYPE (fragile), PARTITIONS (2), LEASE_TTL_MS (1000), MAX_DELIVER (3),
 * ACK_WAIT_MS (2000).
 * Events: ready, attempt (one per handler run, with its item and delivery), crashing (just before SIGKILL).
 */
import { NatsAgentRuntime } from '../../../src/nats/index.js'; // first: it loads reflect-metadata, which BaseAgent's imports need
import { BaseAgent } from '../../../src/agents/BaseAgent.js';
import { emit, numberEnv, requiredEnv } from '../support/workerEvents.js';
import { counterCodec, CountItem, ItemCounted } from './counterMessages.js';

const workerId = requiredEnv('WORKER_ID');

/** Fails, crashes or counts, by the item's prefix (a BaseAgent: the worker programs' loader does not transpile decorators). */
class Fragile extends BaseAgent {
  constructor() {
    super('fails on poison');
  }

  onMessage(request: unknown): ItemCounted {
    const { item } = request as CountItem;
    emit('attempt', { item });
    if (item.startsWith('crash')) {
      emit('crashing', { item });
      process.kill(process.pid, 'SIGKILL');
    }
    if (item.startsWith('busy')) throw Object.assign(new Error(`too busy for ${item}`), { retriable: true });
    return new ItemCounted(item, workerId);
  }
}

const runtime = new NatsAgentRuntime({
  servers: requiredEnv('NATS_URL'),
  workerId,
  codec: counterCodec(),
  partitions: numberEnv('PARTITIONS', 2),
  leaseTtlMs: numberEnv('LEASE_TTL_MS', 1_000),
  ackWaitMs: numberEnv('ACK_WAIT_MS', 2_000),
  maxDeliver: numberEnv('MAX_DELIVER', 3),
  pullExpiresMs: 1_000,
  redeliverRetriableErrors: true,
  redeliveryDelaysMs: [100],
});
await runtime.registerFactory(process.env.AGENT_TYPE || 'fragile', () => new Fragile());
runtime.start();
await runtime.ready();
emit('ready', { pid: process.pid });
