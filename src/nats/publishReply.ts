import { headers, type NatsConnection } from '@nats-io/transport-node';
import { encodeEnvelope, type EncodedEnvelope } from '../protocol/encodeEnvelope.js';
import type { WireLimits } from '../protocol/WireLimits.js';
import { agentHeaders } from './agentHeaders.js';
import { replyLevel, type ReplyEnvelope } from './replyLevel.js';
import { putHeader } from './putHeader.js';

/** Options of {@link publishReply}. */
export interface PublishReplyOptions extends Partial<WireLimits> {
  /** The id of the worker answering (the `Agent-Worker` header). */
  readonly worker: string;
}

/**
 * Sends a reply (an acknowledgment, a progress report or the answer) to the caller's inbox, the
 * request's `Agent-Reply-To`, over core NATS: at most once, nothing waits for the caller. A caller
 * that missed the answer (it restarted) recovers it from the stored result, not from this message.
 *
 * Returns the envelope as encoded (the result store keeps the same text).
 *
 * @throws {@link MessageValidationError} when the envelope is invalid or too large (nothing is sent).
 */
export function publishReply(connection: NatsConnection, replyTo: string, reply: ReplyEnvelope, options: PublishReplyOptions): string {
  const body = encodeEnvelope(reply, options);
  sendReply(connection, replyTo, { envelope: reply, text: body }, options.worker);
  return body;
}

/** @internal {@link publishReply} of a reply encoded already (`MessageCodec.encode`). */
export function sendReply(connection: NatsConnection, replyTo: string, encoded: EncodedEnvelope<ReplyEnvelope>, worker: string): void {
  const reply = encoded.envelope;
  const h = headers();
  putHeader(h, agentHeaders.correlationId, reply.request_id);
  putHeader(h, agentHeaders.ack, replyLevel(reply));
  putHeader(h, agentHeaders.worker, worker);
  connection.publish(replyTo, encoded.text, { headers: h });
}
