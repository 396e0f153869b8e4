/*
 * A NatsAgentRuntime worker process (the runtime under test, not its building blocks): hosts one agent type
 * (`counter` by default) whose handler answers CountItem with ItemCounted naming this worker.
 *
 * Settings (environment): NATS_URL, WORKER_ID, AGENT_TYPE (counter), PARTITIONS (4), LEASE_TTL_MS (1000).
 * Events: ready (pulling the partitions it holds), handled (one per request, with its item).
 */
import { NatsAgentRuntime } from '../../../src/nats/index.js';
import { BaseAgent } from '../../../src/agents/BaseAgent.js';
import { emit, numberEnv, requiredEnv } from '../support/workerEvents.js';
import { COUNTER_TYPE, counterCodec, CountItem, ItemCounted } from './counterMessages.js';

const workerId = requiredEnv('WORKER_ID');

/** Counts items, saying which worker did (a BaseAgent: the worker programs' loader does not transpile decorators). */
class Counter extends BaseAgent {
  constructor() {
    super('counts items');
  }

  onMessage(request: unknown): ItemCounted {
    const { item } = request as CountItem;
    emit('handled', { item, agent: String(this.id) });
    return new ItemCounted(item, workerId);
  }
}

const runtime = new NatsAgentRuntime({
  servers: requiredEnv('NATS_URL'),
  workerId,
  codec: counterCodec(),
  partitions: numberEnv('PARTITIONS', 4),
  leaseTtlMs: numberEnv('LEASE_TTL_MS', 1_000),
  ackWaitMs: 2_000,
  pullExpiresMs: 1_000,
});
await runtime.registerFactory(process.env.AGENT_TYPE || COUNTER_TYPE, () => new Counter());
runtime.start();
await runtime.ready();
emit('ready', { pid: process.pid });
