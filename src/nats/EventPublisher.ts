import { AgentId } from '../core/AgentId.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { TopicId } from '../core/TopicId.js';
import type { MessageCodec } from '../protocol/MessageCodec.js';
import type { Clock } from '../util/Clock.js';
import { wallTimeOf } from '../util/wallTimeOf.js';
import type { LocalEvents } from './LocalEvents.js';
import type { NatsSession } from './NatsSession.js';
import { publishEvent } from './publishEvent.js';
import type { RetryPolicy } from '../policies/RetryPolicy.js';
import { brokerRetry } from './brokerRetry.js';
import type { ReplyEnvelope } from './replyLevel.js';

/** @internal What an {@link EventPublisher} works with. */
export interface EventPublisherEnvironment {
  readonly codec: MessageCodec;
  readonly clock: Clock;
  readonly events: RuntimeEmitter;
  /** The running runtime's session (a publish before `start()` waits for it). */
  session(): Promise<NatsSession>;
  readonly local: LocalEvents;
  /** True when this process serves `recipient`'s partition now (its copy comes back to this process). */
  servesHere(recipient: AgentId): Promise<boolean>;
}

/**
 * @internal The publishing side of a distributed runtime (distributed.md §5.1, §5.9 item 7): a
 * validated publish (the engine checked it and ran its interventions) is stored in `AGENT_EVT`
 * with its message id as `Nats-Msg-Id`, and resolves once the event router reports that it stored
 * a copy for every recipient — so a publish then a send from one process reach an agent in that
 * order, as in-process. A publish whose message id the stream already had is stored and fanned
 * out once (it resolves at its PubAck). The report names the recipients, which the `publish` and
 * `undelivered` events carry, as in-process.
 */
export class EventPublisher {
  /** Publishes awaiting their fan-out report, by message id: ended with `undefined` at stop. */
  private readonly reports = new Map<string, (recipients: readonly string[] | undefined) => void>();
  /** A publish the broker did not acknowledge (a reconnect, a restart) is tried again. */
  private readonly retry: RetryPolicy;

  constructor(private readonly env: EventPublisherEnvironment) {
    this.retry = brokerRetry(env.clock);
  }

  /** Publishes; resolves once every subscriber's copy is stored (or at once for a repeated message id). */
  readonly publish = async (message: unknown, topic: TopicId, sender: AgentId | undefined, messageId: string): Promise<void> => {
    const envelope = this.env.codec.toEnvelope(message, { type: 'broadcast', to: topic, from: sender, requestId: messageId });
    const session = await this.env.session();
    const local = this.env.local;
    local.published(messageId, message);
    const report = this.report(session, messageId);
    try {
      const accepted = await this.retry.execute(() => publishEvent(session.client, envelope, { replyTo: session.inbox.subject })); // again with the same Nats-Msg-Id: stored once
      if (accepted.duplicate) {
        this.end(messageId, undefined);
        return local.abandoned(messageId);
      }
      const recipients = await report;
      if (recipients === undefined) return local.abandoned(messageId);
      const here = await Promise.all(recipients.map((recipient) => this.env.servesHere(AgentId.fromString(recipient))));
      local.fannedOut(messageId, recipients.filter((_, i) => here[i]));
      this.published(message, topic, sender, messageId, recipients.map((recipient) => AgentId.fromString(recipient)));
    } catch (error) {
      this.end(messageId, undefined);
      local.abandoned(messageId);
      throw error;
    }
  };

  /**
   * The connection broke and is back: a router's report sent meanwhile is lost (core NATS keeps none),
   * so publishes awaiting one resolve now — their events are stored, the router fans them out.
   */
  reconnected(): void {
    for (const messageId of [...this.reports.keys()]) this.end(messageId, undefined);
  }

  /** The runtime stops: publishes awaiting their report resolve (their events are stored; the fan-out is the router's). */
  stop(): void {
    for (const messageId of [...this.reports.keys()]) this.end(messageId, undefined);
    this.env.local.clear();
  }

  /** The router's report of the fan-out of `messageId`: the recipients, or `undefined` when the publish ended otherwise. */
  private report(session: NatsSession, messageId: string): Promise<readonly string[] | undefined> {
    return new Promise((resolve) => {
      const unexpect = session.inbox.expect(messageId, (reply) => this.end(messageId, recipientsOf(reply)));
      this.reports.set(messageId, (recipients) => {
        unexpect();
        resolve(recipients);
      });
    });
  }

  private end(messageId: string, recipients: readonly string[] | undefined): void {
    const resolve = this.reports.get(messageId);
    this.reports.delete(messageId);
    resolve?.(recipients);
  }

  /** The `undelivered` and `publish` events of a fan-out (only built while someone listens). */
  private published(message: unknown, topicId: TopicId, sender: AgentId | undefined, messageId: string, recipients: readonly AgentId[]): void {
    const { events, clock } = this.env;
    const at = clock.now();
    const wallTime = wallTimeOf(clock, at);
    if (recipients.length === 0 && events.listening.undelivered === true) events.emit('undelivered', { messageId, message, topicId, sender, at, wallTime });
    if (events.listening.publish === true) events.emit('publish', { messageId, message, sender, topicId, recipients, at, wallTime });
  }
}

/** The recipients a router's report names. */
function recipientsOf(reply: ReplyEnvelope): readonly string[] {
  if (reply.type !== 'response' || reply.status !== 'completed' || !Array.isArray(reply.payload)) return [];
  return reply.payload.filter((recipient): recipient is string => typeof recipient === 'string');
}
