/*
 * A NatsAgentRuntime process for the publish tests (distributed.md §6.2 case 11): with AGENT_TYPE it hosts
 * that agent type, subscribed to topic type TOPIC_TYPE, whose handler reports each published message it
 * gets; with ROUTE_EVENTS=1 it may be the cluster's event router, reporting each copy it stores — and with
 * CRASH_AT=mid_fanout (CRASH_ON=n) it holds the fan-out after its n-th copy until the test kills it; with
 * CRASH_AT=in_handler its subscriber holds its n-th published message in the handler.
 *
 * Settings (environment): NATS_URL, WORKER_ID, AGENT_TYPE (none), TOPIC_TYPE (news), ROUTE_EVENTS (0),
 * PARTITIONS (4), LEASE_TTL_MS (1000), CRASH_AT, CRASH_ON.
 * Events: ready (serving and, if routing, the router candidate started), handled (one per copy handled:
 * eventId, agent, sender, topic, isRpc), copied (one per copy the router stored: eventId, recipient,
 * duplicate), crash_point.
 */
import { NatsAgentRuntime } from '../../../src/nats/index.js';
import { BaseAgent } from '../../../src/agents/BaseAgent.js';
import type { MessageContext } from '../../../src/core/MessageContext.js';
import { TypeSubscription } from '../../../src/core/TypeSubscription.js';
import { crashPoint, emit, numberEnv, requiredEnv } from '../support/workerEvents.js';

/** Reports every published message it handles (a BaseAgent: the worker programs' loader does not transpile decorators). */
class Subscriber extends BaseAgent {
  constructor() {
    super('reports what it hears');
  }

  async onMessage(_message: unknown, ctx: MessageContext): Promise<void> {
    await crashPoint('in_handler', { eventId: ctx.messageId, agent: String(this.id) });
    emit('handled', { eventId: ctx.messageId, agent: String(this.id), sender: ctx.sender?.toString(), topic: ctx.topicId?.toString(), isRpc: ctx.isRpc });
  }
}

const type = process.env.AGENT_TYPE || undefined;
const runtime = new NatsAgentRuntime({
  servers: requiredEnv('NATS_URL'),
  workerId: requiredEnv('WORKER_ID'),
  partitions: numberEnv('PARTITIONS', 4),
  leaseTtlMs: numberEnv('LEASE_TTL_MS', 1_000),
  ackWaitMs: 2_000,
  pullExpiresMs: 1_000,
  routeEvents: process.env.ROUTE_EVENTS === '1',
  onEventCopied: async ({ eventId, recipient, duplicate }) => {
    emit('copied', { eventId, recipient: String(recipient), duplicate });
    await crashPoint('mid_fanout', { eventId, recipient: String(recipient) });
  },
});
if (type !== undefined) {
  await runtime.registerFactory(type, () => new Subscriber());
  await runtime.addSubscription(new TypeSubscription(process.env.TOPIC_TYPE || 'news', type));
}
runtime.start();
await runtime.ready();
emit('ready', { pid: process.pid });
