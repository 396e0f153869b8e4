/*
 * A NatsAgentRuntime worker process whose agents keep state (agent_state): each agent counts what it
 * is sent, with a deterministic crash point after the count changed in memory and before the turn
 * ends (so before its state is saved and its answer stored).
 *
 * Settings (environment): NATS_URL, WORKER_ID, AGENT_TYPE (tally), PARTITIONS (4), LEASE_TTL_MS (2000),
 * ACK_WAIT_MS (2000), CRASH_AT=after_count and CRASH_ON (see crashPoint).
 * Events: ready; start (handler entered, with the count it found); counted (the new count, in
 * memory); refused (a turn that ended without committing: fenced, or its state write refused);
 * deactivated (an agent dropped from memory, with the reason); crash_point / resumed.
 */
import { NatsAgentRuntime } from '../../../src/nats/index.js'; // first: it loads reflect-metadata
import { BaseAgent } from '../../../src/agents/BaseAgent.js';
import type { MessageContext } from '../../../src/core/MessageContext.js';
import type { AckEvent, AgentDeactivatedEvent } from '../../../src/core/RuntimeEvents.js';
import { isAgentwireError } from '../../../src/errors/AgentwireError.js';
import { crashPoint, emit, numberEnv, requiredEnv } from '../support/workerEvents.js';
import { type AddToTally, tallyCodec } from './tallyMessages.js';

/** Counts what it is sent; its state is the count. */
class Tally extends BaseAgent {
  private count = 0;

  constructor() {
    super('tallies');
  }

  async onMessage(request: unknown, ctx: MessageContext): Promise<number> {
    const id = ctx.messageId;
    emit('start', { id, agent: String(this.id), found: this.count });
    this.count += (request as AddToTally).n;
    emit('counted', { id, agent: String(this.id), count: this.count });
    await crashPoint('after_count', { id });
    return this.count;
  }

  override saveState(): unknown {
    return { count: this.count };
  }

  override loadState(state: unknown): void {
    this.count = (state as { count: number }).count;
  }
}

/** The agentwire code of `error`, or of its cause. */
function codeOf(error: unknown): string | undefined {
  if (isAgentwireError(error)) return error.code === 'CANCELLED' && isAgentwireError(error.cause) ? error.cause.code : error.code;
  return undefined;
}

const runtime = new NatsAgentRuntime({
  servers: requiredEnv('NATS_URL'),
  workerId: requiredEnv('WORKER_ID'),
  codec: tallyCodec(),
  partitions: numberEnv('PARTITIONS', 4),
  leaseTtlMs: numberEnv('LEASE_TTL_MS', 2_000),
  ackWaitMs: numberEnv('ACK_WAIT_MS', 2_000),
  pullExpiresMs: 1_000,
  logger: false,
});
runtime.events.on('ack', (ack: AckEvent) => {
  const code = ack.level === 'failed' ? codeOf(ack.error) : undefined;
  if (code === 'FENCED' || code === 'STATE_CONFLICT') emit('refused', { id: ack.messageId, code });
});
runtime.events.on('agentDeactivated', (event: AgentDeactivatedEvent) => emit('deactivated', { agent: String(event.agentId), reason: event.reason }));
await runtime.registerFactory(process.env.AGENT_TYPE || 'tally', () => new Tally());
runtime.start();
await runtime.ready();
emit('ready', { pid: process.pid });
