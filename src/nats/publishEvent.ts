import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import { splitAddress } from '../protocol/addresses.js';
import type { BroadcastEnvelope } from '../protocol/Envelope.js';
import { encodeEnvelope } from '../protocol/encodeEnvelope.js';
import type { WireLimits } from '../protocol/WireLimits.js';
import { agentHeaders } from './agentHeaders.js';
import { eventStream } from './eventStream.js';
import { publishToStream } from './publishToStream.js';
import { putHeader } from './putHeader.js';

/** A published message the broker stored in the event stream (its PubAck). */
export interface EventAccepted {
  /** The message id (the envelope's `request_id`, the `Nats-Msg-Id`). */
  readonly eventId: string;
  /** Its sequence number in `AGENT_EVT`. */
  readonly seq: number;
  /** True when the server already had this message id within its duplicate window: a publish repeated, stored (and fanned out) once. */
  readonly duplicate: boolean;
  /** The subject it was published on, `agent.evt.<topicTypeToken>`. */
  readonly subject: string;
}

/** Options of {@link publishEvent}. */
export interface PublishEventOptions extends Partial<WireLimits> {
  /** How long to wait for the PubAck, in ms. Default: the client's (5 s). */
  readonly timeoutMs?: number;
  /** Where the event router reports the fan-out (the recipients): the publisher's `ReplyInbox` subject. */
  readonly replyTo?: string;
}

/**
 * Publishes a broadcast envelope into the durable event stream (distributed.md §5.1, §5.9 item 7)
 * and resolves once the broker has stored it. The subject is the topic's type; the topic's source
 * and the publishing agent travel in headers; `Nats-Msg-Id` is the message id, so publishing the
 * same message again is stored — and fanned out — once.
 *
 * @throws {@link MessageValidationError} when the envelope is invalid or too large (nothing is sent).
 * @throws {@link BrokerMisconfiguredError} when no stream captures the subject (run {@link ensureEventStream}).
 */
export async function publishEvent(client: JetStreamClient, envelope: BroadcastEnvelope, options: PublishEventOptions = {}): Promise<EventAccepted> {
  const body = encodeEnvelope(envelope, options);
  const topic = splitAddress(envelope.to);
  if (topic === undefined) {
    throw new MessageValidationError('Envelope', [{ code: 'invalid_format', path: ['to'], message: 'expected a topic address "type/source"' }]);
  }
  const h = headers();
  putHeader(h, agentHeaders.kind, 'event');
  putHeader(h, agentHeaders.topicType, topic.type);
  putHeader(h, agentHeaders.topicSource, topic.rest);
  putHeader(h, agentHeaders.requestId, envelope.request_id);
  if (envelope.from !== undefined) putHeader(h, agentHeaders.sender, envelope.from);
  if (options.replyTo !== undefined) putHeader(h, agentHeaders.replyTo, options.replyTo);
  const subject = eventStream.subject(topic.type);
  const target = { stream: eventStream.stream, label: 'event stream', ensure: 'ensureEventStream' };
  const ack = await publishToStream(client, target, subject, body, {
    msgID: envelope.request_id,
    headers: h,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  return { eventId: envelope.request_id, seq: ack.seq, duplicate: ack.duplicate, subject };
}
