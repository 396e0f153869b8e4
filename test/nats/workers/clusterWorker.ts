/*
 * A NatsAgentRuntime worker process for the §6.2 cases (test/nats/cluster/): hosts one agent type whose
 * handler logs when each turn enters and exits, on a clock shared by every process of the machine
 * (wall time in µs) and with a per-process sequence, so the test can check that turns of one AgentId
 * never overlap across workers.
 *
 * Settings (environment): NATS_URL, WORKER_ID, AGENT_TYPE (turnstile), PARTITIONS (4), LEASE_TTL_MS (1000),
 * ACK_WAIT_MS (2000), HOLD_MS (0: how long a CountItem turn lasts, in real ms), CRASH_AT=in_turn (+ CRASH_ON,
 * see workerEvents.crashPoint: that turn is held after `enter` until SIGCONT).
 * Events: ready; enter / exit (CountItem: agent, item, t = µs since the epoch, seq); held / aborted
 * (HoldItem: the turn waits for its ctx.signal and logs the abort's reason); SIGTERM stops the runtime
 * (leases released) and prints `stopped`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { NatsAgentRuntime } from '../../../src/nats/index.js';
import { BaseAgent } from '../../../src/agents/BaseAgent.js';
import type { MessageContext } from '../../../src/core/MessageContext.js';
import { crashPoint, emit, numberEnv, requiredEnv, wallMicros } from '../support/workerEvents.js';
import { CLUSTER_TYPE, clusterCodec, HoldItem } from './clusterMessages.js';
import { CountItem, ItemCounted } from './counterMessages.js';

const workerId = requiredEnv('WORKER_ID');
const holdMs = numberEnv('HOLD_MS', 0);
let sequence = 0;

/** Logs its turns (a BaseAgent: the worker programs' loader does not transpile decorators). */
class Turnstile extends BaseAgent {
  constructor() {
    super('logs its turns');
  }

  async onMessage(message: unknown, ctx: MessageContext): Promise<ItemCounted> {
    if (message instanceof HoldItem) return this.hold(message, ctx);
    const { item } = message as CountItem;
    const agent = String(this.id);
    emit('enter', { agent, item, messageId: ctx.messageId, t: wallMicros(), seq: ++sequence });
    await crashPoint('in_turn', { item }); // CRASH_AT=in_turn: held here until the test sends SIGCONT (or kills the worker)
    if (holdMs > 0) await delay(holdMs);
    emit('exit', { agent, item, t: wallMicros(), seq: ++sequence });
    return new ItemCounted(item, workerId);
  }

  private async hold({ item }: HoldItem, ctx: MessageContext): Promise<never> {
    emit('held', { agent: String(this.id), item, messageId: ctx.messageId });
    const reason = await new Promise<unknown>((resolve) => {
      if (ctx.signal.aborted) resolve(ctx.signal.reason);
      ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true });
    });
    emit('aborted', { item, messageId: ctx.messageId, reason: reason instanceof Error ? reason.name : String(reason) });
    throw reason;
  }
}

const runtime = new NatsAgentRuntime({
  servers: requiredEnv('NATS_URL'),
  workerId,
  codec: clusterCodec(),
  partitions: numberEnv('PARTITIONS', 4),
  leaseTtlMs: numberEnv('LEASE_TTL_MS', 1_000),
  ackWaitMs: numberEnv('ACK_WAIT_MS', 2_000),
  pullExpiresMs: 1_000,
});
await runtime.registerFactory(process.env.AGENT_TYPE || CLUSTER_TYPE, () => new Turnstile());
runtime.start();
await runtime.ready();
process.once('SIGTERM', () => {
  void runtime.stop().then(() => emit('stopped'));
});
emit('ready', { pid: process.pid });
