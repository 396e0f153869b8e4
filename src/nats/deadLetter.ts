import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { copyToDeadLetters, type DeadLettered } from './copyToDeadLetters.js';

/**
 * Gives up on a request a worker pulled (distributed.md §5.3, "failed"): copies it to the
 * dead-letter stream, waits until the broker has stored the copy, and only then terminates the
 * delivery, so the request is never lost between the two. Use it for a permanent failure at once,
 * and for a retriable one on its last delivery (`deliveryCount` = the consumer's `max_deliver`)
 * instead of a nak. (A request whose last delivery was naked or timed out is moved by the
 * {@link DeadLetterMover} instead.)
 *
 * The copy keeps the request's body and headers and adds `Agent-Dead-Letter-Reason`,
 * `Agent-Delivery-Count`, `Agent-Original-Subject` and `Agent-Original-Seq`. It is published with
 * the request's `Nats-Msg-Id` (or `<stream>/<seq>`), so dead-lettering the same request again (the
 * worker died after the copy, before the term) stores it once.
 *
 * @throws {@link BrokerMisconfiguredError} when no stream stores the dead-letter subject (run
 *   {@link ensureDeadLetterStream}); the request is then not terminated.
 */
export async function deadLetter(client: JetStreamClient, message: JsMsg, reason: string): Promise<DeadLettered> {
  const request = { subject: message.subject, stream: message.info.stream, seq: message.seq, data: message.data, headers: message.headers };
  const copied = await copyToDeadLetters(client, { ...request, deliveryCount: message.info.deliveryCount }, reason);
  // No reason on the term: nats-server before 2.11 does not parse "+TERM <reason>" and leaves the
  // delivery pending (it would be redelivered); the reason travels in the copy's header instead.
  message.term();
  return copied;
}
