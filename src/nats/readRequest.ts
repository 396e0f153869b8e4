import type { JsMsg } from '@nats-io/jetstream';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import { decodeEnvelope } from '../protocol/decodeEnvelope.js';
import type { RequestEnvelope } from '../protocol/Envelope.js';
import type { WireLimits } from '../protocol/WireLimits.js';
import { agentHeaders } from './agentHeaders.js';
import type { PulledBody } from './decodePulled.js';

/** A request as a worker pulled it from the request stream. */
export interface ReceivedRequest {
  /** The decoded, validated envelope. */
  readonly envelope: RequestEnvelope;
  /**
   * Where to send its acknowledgments and answer: the envelope's `metadata.reply_to`, else its
   * `Agent-Reply-To` header; undefined when neither names one (nobody waits for an answer).
   */
  readonly replyTo: string | undefined;
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
  return receivedRequest(message, decodeEnvelope(message.data, limits));
}

/**
 * @internal {@link readRequest} of a body decoded already ({@link decodePulled}). Reads the headers
 * only for a request whose envelope names no reply address (decoding them costs a served request ≈3 %).
 */
export function receivedRequest(message: JsMsg, body: PulledBody): ReceivedRequest {
  if (body instanceof MessageValidationError) throw body;
  if (body.type !== 'request') {
    const issue = { code: 'invalid_type', path: ['type'], message: `expected a "request" envelope in the request stream, received "${body.type}"` };
    throw new MessageValidationError('Envelope', [issue], { messageId: body.request_id });
  }
  const replyTo = body.metadata.reply_to ?? (message.headers?.get(agentHeaders.replyTo) || undefined);
  return { envelope: body, replyTo, deliveryCount: message.info.deliveryCount, streamSeq: message.seq };
}
