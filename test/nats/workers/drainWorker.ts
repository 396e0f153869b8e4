/*
 * A NatsAgentRuntime worker process for graceful drain, rolling restarts and rebalancing (distributed.md
 * §6.2 cases 6 and 14): hosts one agent type whose turns last HOLD_MS, log when they enter and exit (wall
 * time in µs, comparable between the machine's processes, as clusterWorker.ts does) and do one side effect
 * through ctx.once. It stops on SIGTERM with `runtime.stopOnSignals()` — the drain, then the process ends
 * killed by the signal it received.
 *
 * Settings (environment): NATS_URL, WORKER_ID, AGENT_TYPE (counter), PARTITIONS (6), LEASE_TTL_MS (2000),
 * ACK_WAIT_MS (3000), HOLD_MS (20), DRAIN_TIMEOUT_MS (10000).
 * SIGUSR2 makes the next turn hold after its effect (printing `held`) until SIGCONT: a turn certainly
 * running when the test sends SIGTERM.
 * Events: ready; enter (agent, item, id = request id, t); effect / effect_replayed (id); held (id); exit
 * (agent, item, id, t); handed_back (id: a request this worker pulled and did not start, left to the next owner).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { NatsAgentRuntime } from '../../../src/nats/index.js'; // first: it loads reflect-metadata
import { BaseAgent } from '../../../src/agents/BaseAgent.js';
import type { MessageContext } from '../../../src/core/MessageContext.js';
import type { AckEvent } from '../../../src/core/RuntimeEvents.js';
import { FencedError } from '../../../src/errors/FencedError.js';
import { emit, numberEnv, requiredEnv, wallMicros } from '../support/workerEvents.js';
import { COUNTER_TYPE, counterCodec, type CountItem, ItemCounted } from './counterMessages.js';

const workerId = requiredEnv('WORKER_ID');
const holdMs = numberEnv('HOLD_MS', 20);
let holdNext = false;
process.on('SIGUSR2', () => (holdNext = true));

/** Holds the turn until SIGCONT (asked for by SIGUSR2). */
async function holdUntilSigcont(fields: Record<string, unknown>): Promise<void> {
  holdNext = false;
  const resumed = new Promise<void>((resolve) => process.once('SIGCONT', () => resolve()));
  emit('held', fields);
  await resumed;
}

/** Counts an item in a turn of HOLD_MS, its count a side effect done once per request (ctx.once). */
class SlowCounter extends BaseAgent {
  constructor() {
    super('counts items slowly, once each');
  }

  async onMessage(request: unknown, ctx: MessageContext): Promise<ItemCounted> {
    const { item } = request as CountItem;
    const fields = { agent: String(this.id), item, id: ctx.messageId };
    emit('enter', { ...fields, t: wallMicros() });
    let ran = false;
    await ctx.once(`count/${ctx.messageId}`, () => {
      ran = true;
      emit('effect', fields);
      return workerId;
    });
    if (!ran) emit('effect_replayed', fields);
    if (holdNext) await holdUntilSigcont(fields);
    await delay(holdMs);
    emit('exit', { ...fields, t: wallMicros() });
    return new ItemCounted(item, workerId);
  }
}

const runtime = new NatsAgentRuntime({
  servers: requiredEnv('NATS_URL'),
  workerId,
  codec: counterCodec(),
  partitions: numberEnv('PARTITIONS', 6),
  leaseTtlMs: numberEnv('LEASE_TTL_MS', 2_000),
  ackWaitMs: numberEnv('ACK_WAIT_MS', 3_000),
  drainTimeoutMs: numberEnv('DRAIN_TIMEOUT_MS', 10_000),
  pullExpiresMs: 1_000,
});
runtime.events.on('ack', (ack: AckEvent) => {
  if (ack.level === 'failed' && ack.error instanceof FencedError) emit('handed_back', { id: ack.messageId });
});
await runtime.registerFactory(process.env.AGENT_TYPE || COUNTER_TYPE, () => new SlowCounter());
runtime.start();
await runtime.ready();
runtime.stopOnSignals(['SIGTERM']);
emit('ready', { pid: process.pid });
