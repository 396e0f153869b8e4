import type { JsMsg } from '@nats-io/jetstream';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import { decodeEnvelope } from '../protocol/decodeEnvelope.js';
import type { RequestEnvelope } from '../protocol/Envelope.js';
import type { WireLimits } from '../protocol/WireLimits.js';

/** A request as a worker pulled it from the request stream. */
export interface ReceivedRequest {
  /** The decoded, validated envelope. */
  readonly envelope: RequestEnvelope;
  /** Which delivery this is: 1 the first time, more after a redelivery (a worker died, AckWait passed, a nak). */
  readonly deliveryCount: number;
  /** The request's sequence number in the stream. */
  readonly streamSeq: number;
}

/**
 * Decodes a message pulled from the request stream. Does not acknowledge it: the caller acks once
 * the result is stored (or terms / naks it).
 *
 * @throws {@link MessageValidationError} when the body is not a valid request envelope (the caller
 *   should dead-letter it: it will never decode).
 */
export function readRequest(message: JsMsg, limits: Partial<WireLimits> = {}): ReceivedRequest {
  const envelope = decodeEnvelope(message.data, limits);
  if (envelope.type !== 'request') {
    const issue = { code: 'invalid_type', path: ['type'], message: `expected a "request" envelope in the request stream, received "${envelope.type}"` };
    throw new MessageValidationError('Envelope', [issue], { messageId: envelope.request_id });
  }
  return { envelope, deliveryCount: message.info.deliveryCount, streamSeq: message.seq };
}
