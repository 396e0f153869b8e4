/**
 * A worker process of the cluster soak run (`npm run soak:cluster`, bench/clusterSoak.ts), run from
 * .out/bench/: a `NatsAgentRuntime` hosting agent type `soak`, whose handler does one side effect per
 * request through `ctx.once` (the effect: printing `effect`) and answers `{ item, worker, effectBy }`.
 * SIGTERM stops the runtime (leases released) and exits.
 *
 * Settings (environment): NATS_URL, WORKER_ID, PARTITIONS, LEASE_TTL_MS, ACK_WAIT_MS.
 * Prints one JSON line per event: `ready`, `run` (a delivery reached the handler), `effect`, `done`, `stopped`.
 */
import 'reflect-metadata';
import { BaseAgent, type MessageContext } from '../src/index.js';
import { NatsAgentRuntime } from '../src/nats/index.js';
import { emit, numberEnv, requiredEnv } from '../test/nats/support/workerEvents.js';

const workerId = requiredEnv('WORKER_ID');

/** The soak's request and answer: plain JSON, no codec needed. */
interface SoakItem {
  readonly item: string;
}

/** Counts each item once across the cluster. */
class SoakCounter extends BaseAgent {
  constructor() {
    super('counts items, once each');
  }

  async onMessage(message: unknown, ctx: MessageContext): Promise<{ item: string; worker: string; effectBy: string }> {
    const { item } = message as SoakItem;
    emit('run', { id: ctx.messageId, item });
    const effect = await ctx.once(`soak/${ctx.messageId}`, () => {
      emit('effect', { id: ctx.messageId, item });
      return { by: workerId };
    });
    emit('done', { id: ctx.messageId, item });
    return { item, worker: workerId, effectBy: effect.by };
  }
}

const runtime = new NatsAgentRuntime({
  servers: requiredEnv('NATS_URL'),
  workerId,
  partitions: numberEnv('PARTITIONS', 6),
  leaseTtlMs: numberEnv('LEASE_TTL_MS', 3_000),
  ackWaitMs: numberEnv('ACK_WAIT_MS', 3_000),
  pullExpiresMs: 1_000,
  logger: false,
});
await runtime.registerFactory('soak', () => new SoakCounter());
runtime.start();
await runtime.ready();
process.once('SIGTERM', () => {
  void runtime.stop().then(() => {
    emit('stopped');
    process.exit(0);
  });
});
emit('ready', { pid: process.pid });
