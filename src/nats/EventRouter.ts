import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { AgentId } from '../core/AgentId.js';
import { TopicId } from '../core/TopicId.js';
import { MessageCodec } from '../protocol/MessageCodec.js';
import type { Clock } from '../util/Clock.js';
import { reportUncaught } from '../util/reportUncaught.js';
import { agentHeaders } from './agentHeaders.js';
import { eventStream } from './eventStream.js';
import type { NatsSession } from './NatsSession.js';
import type { PartitionLease } from './PartitionLease.js';
import type { PartitionLeases } from './PartitionLeases.js';
import { publishEventCopy } from './publishEventCopy.js';
import { publishReply } from './publishReply.js';
import { RoundTimer } from './RoundTimer.js';

/** One subscriber's copy of a published message, stored in the request stream by the router. */
export interface EventCopy {
  /** The publish's message id. */
  readonly eventId: string;
  /** The subscriber it is for. */
  readonly recipient: AgentId;
  /** True when the request stream already had this copy (a fan-out done again after a router died or an event came back). */
  readonly duplicate: boolean;
}

/** @internal What an {@link EventRouter} works with. */
export interface EventRouterEnvironment {
  readonly session: NatsSession;
  readonly leases: PartitionLeases;
  /** The runtime's clock: lease renewals and takeover attempts are armed on its timers. */
  readonly clock: Clock;
  /** Partitions per agent type (where a subscriber's copy goes). */
  readonly partitions: number;
  /** The event consumer's ack wait, in ms. */
  readonly ackWaitMs: number;
  /** How long one pull waits for events, in ms. */
  readonly pullExpiresMs: number;
  readonly workerId: string;
  /** Called after each copy is stored, before the next; the fan-out waits for what it returns. */
  readonly onCopied?: ((copy: EventCopy) => void | Promise<void>) | undefined;
  /** Called when a round or a fan-out failed (the broker unreachable, a renewal timed out); routing goes on. Default: reported as uncaught. */
  readonly failed?: (error: unknown) => void;
}

/** The lease that makes one router of the cluster route (not a valid agent type, so no agent's partition). */
const ROUTER_LEASE = 'agentwire/event-router';
/** Who reports a fan-out to the publisher (a response's `from` must be an agent address). */
const ROUTER_TYPE = 'agentwire.router';

/**
 * @internal The cluster's event router (distributed.md §5.1 "subscription fan-out", §5.9 item 7):
 * a leased singleton — every runtime runs one, only the holder of the `agent_leases` key of
 * `agentwire/event-router` routes, and another takes over once a dead holder's lease ends. It pulls
 * the published messages from `AGENT_EVT` through the durable consumer `evt_router`, one at a time
 * in publish order, resolves each against the cluster's subscriptions (`agent_subs`) to its
 * recipients, skips the publishing agent, stores one copy per recipient in the request stream
 * (deduplicated by `<message id>/<recipient>`), reports the recipients to the publisher's inbox,
 * and only then acks. At-least-once, deduplicated: a router killed mid-fan-out leaves the event
 * unacked, its successor does the fan-out again and the copies already stored are dropped by the
 * server. Fenced: a router whose lease is no longer fresh naks instead of acking.
 */
export class EventRouter {
  private readonly codec = new MessageCodec();
  private lease: PartitionLease | undefined = undefined;
  private pull: ConsumerMessages | undefined = undefined;
  private stopped = false;
  private readonly rounds: RoundTimer;
  /** The fan-outs in publish order: each waits for the one before. */
  private routing: Promise<void> = Promise.resolve();

  private constructor(private readonly env: EventRouterEnvironment) {
    this.rounds = new RoundTimer(env.clock, () => Math.floor(env.leases.ttlMs / 3), () => this.round(), env.failed);
  }

  /** Starts competing for the lease, and routes at once when no other router holds it. */
  static async start(env: EventRouterEnvironment): Promise<EventRouter> {
    const router = new EventRouter(env);
    await router.rounds.run();
    return router;
  }

  /** Renews (or competes for) the lease now (after a reconnect), or right after the round running. */
  renewNow(): void {
    this.rounds.now();
  }

  /** True while this process is the cluster's router. */
  get routes(): boolean {
    return this.lease !== undefined;
  }

  /** Stops pulling, waits for the fan-out under way, and gives the lease up; unacked events go to the next router. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.rounds.stop();
    await this.give(true);
  }

  /** Renews the lease it holds (stops routing when lost), or takes it when free. */
  private async round(): Promise<void> {
    const leases = this.env.leases;
    if (this.lease !== undefined) {
      const renewed = await leases.renew(this.lease);
      if (renewed === undefined) return this.give(false);
      this.lease = renewed;
      return;
    }
    const lease = await leases.acquire(ROUTER_LEASE, 0);
    if (lease === undefined) return;
    if (this.stopped) return leases.release(lease);
    this.lease = lease;
    try {
      await ensureRouterConsumer(this.env.session.manager, this.env.ackWaitMs);
      const consumer = await this.env.session.client.consumers.get(eventStream.stream, eventStream.router);
      this.pull = await consumer.consume({ max_messages: 64, expires: this.env.pullExpiresMs, callback: (message) => this.pulled(message) });
    } catch (error) {
      await this.give(true);
      throw error;
    }
  }

  private fresh(): boolean {
    return this.lease !== undefined && this.env.leases.isFresh(this.lease);
  }

  private pulled(message: JsMsg): void {
    this.routing = this.routing.then(() =>
      this.route(message).catch((error: unknown) => {
        message.nak(Math.floor(this.env.leases.ttlMs / 10)); // soon again (not at once: the cause may last); the copies stored so far are deduplicated
        if (!this.stopped) (this.env.failed ?? reportUncaught)(error);
      }),
    );
  }

  /** Fans one published message out: a copy per recipient, then the report to the publisher, then the ack. */
  private async route(message: JsMsg): Promise<void> {
    if (this.stopped || !this.fresh()) return void message.nak();
    const event = eventOf(message);
    if (event === undefined) return void message.term(); // it will never route (no reason: nats-server 2.9 ignores a term that carries one)
    const { eventId, topic, from } = event;
    const recipients = (await this.env.session.subscriptions.recipients(topic)).filter((recipient) => from === undefined || !recipient.equals(from));
    for (const recipient of recipients) {
      const { duplicate } = await publishEventCopy(this.env.session.client, message, eventId, recipient, this.env.partitions);
      await this.env.onCopied?.({ eventId, recipient, duplicate });
    }
    if (this.stopped || !this.fresh()) return void message.nak(); // fenced: the router that holds the lease does it again
    this.report(message, eventId, recipients);
    await message.ackAck();
  }

  /** Tells the publisher (its `Agent-Reply-To`) which agents the message was queued for. */
  private report(message: JsMsg, eventId: string, recipients: readonly AgentId[]): void {
    const replyTo = message.headers?.get(agentHeaders.replyTo) || undefined;
    if (replyTo === undefined) return;
    const from = new AgentId(ROUTER_TYPE, this.env.workerId);
    const answer = this.codec.toEnvelope(recipients.map(String), { type: 'response', from, requestId: eventId });
    publishReply(this.env.session.connection, replyTo, answer, { worker: this.env.workerId });
  }

  /** Stops pulling, lets the fan-out under way finish, and releases the lease if asked and still held. */
  private async give(release: boolean): Promise<void> {
    const { lease, pull } = this;
    this.lease = undefined;
    this.pull = undefined;
    await pull?.close().catch(() => undefined);
    await this.routing;
    if (release && lease !== undefined) await this.env.leases.release(lease).catch(() => undefined);
  }
}

/** What routing needs from a published message's headers; `undefined` when they are malformed. */
function eventOf(message: JsMsg): { eventId: string; topic: TopicId; from: AgentId | undefined } | undefined {
  const h = message.headers;
  const eventId = h?.get(agentHeaders.requestId) ?? '';
  const sender = h?.get(agentHeaders.sender) || undefined;
  try {
    const topic = new TopicId(h?.get(agentHeaders.topicType) ?? '', h?.get(agentHeaders.topicSource) ?? '');
    return eventId === '' ? undefined : { eventId, topic, from: sender === undefined ? undefined : AgentId.fromString(sender) };
  } catch {
    return undefined;
  }
}

/** The router's durable consumer on every published message, created unless it exists. */
async function ensureRouterConsumer(manager: JetStreamManager, ackWaitMs: number): Promise<void> {
  try {
    await manager.consumers.info(eventStream.stream, eventStream.router);
    return;
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'ConsumerNotFoundError') throw error;
  }
  await manager.consumers.add(eventStream.stream, {
    durable_name: eventStream.router,
    filter_subject: eventStream.subjects,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ackWaitMs),
    max_ack_pending: 1_024,
  });
}
