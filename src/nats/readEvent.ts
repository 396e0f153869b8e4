import type { JsMsg } from '@nats-io/jetstream';
import { AgentId } from '../core/AgentId.js';
import { TopicId } from '../core/TopicId.js';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import { decodeEnvelope } from '../protocol/decodeEnvelope.js';
import type { BroadcastEnvelope } from '../protocol/Envelope.js';
import { agentHeaders } from './agentHeaders.js';
import type { PulledBody } from './decodePulled.js';

/** One subscriber's copy of a published message, as its partition's owner pulled it from the request stream. */
export interface ReceivedEvent {
  /** The decoded, validated envelope (`request_id` is the publish's message id). */
  readonly envelope: BroadcastEnvelope;
  /** The subscriber this copy is for. */
  readonly recipient: AgentId;
  /** The topic it was published to. */
  readonly topic: TopicId;
  /** The publishing agent, if an agent published it. */
  readonly sender: AgentId | undefined;
  /** The copy's id, `<message id>/<recipient>` (its `Nats-Msg-Id`). */
  readonly copyId: string;
  /** Which delivery this is: 1 the first time, more after a redelivery. */
  readonly deliveryCount: number;
}

/**
 * Decodes an event copy pulled from the request stream (distributed.md §5.1: the router's
 * republish), or reads its `body` decoded already ({@link decodePulled}). Does not acknowledge it.
 *
 * @throws {@link MessageValidationError} when the body is not a valid broadcast envelope or the
 *   recipient headers are missing (it will never decode: terminate it).
 */
export function readEvent(message: JsMsg, body: PulledBody = decodeEnvelope(message.data)): ReceivedEvent {
  if (body instanceof MessageValidationError) throw body;
  const envelope = body;
  const type = message.headers?.get(agentHeaders.targetType) ?? '';
  const key = message.headers?.get(agentHeaders.targetKey) ?? '';
  if (envelope.type !== 'broadcast' || type === '' || key === '') {
    const issue = { code: 'invalid_type', path: ['type'], message: `expected a "broadcast" envelope with Agent-Target-Type and Agent-Target-Key headers, received a "${envelope.type}" envelope` };
    throw new MessageValidationError('Envelope', [issue], { messageId: envelope.request_id });
  }
  const recipient = new AgentId(type, key);
  const sender = envelope.from === undefined ? undefined : AgentId.fromString(envelope.from);
  return { envelope, recipient, topic: TopicId.fromString(envelope.to), sender, copyId: eventCopyId(envelope.request_id, recipient), deliveryCount: message.info.deliveryCount };
}

/** The id of one subscriber's copy of a published message: `<message id>/<recipient>` (deduplicated by the request stream). */
export function eventCopyId(eventId: string, recipient: AgentId): string {
  return `${eventId}/${recipient.toString()}`;
}
