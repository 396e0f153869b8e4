import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { BrokerMisconfiguredError } from '../errors/BrokerMisconfiguredError.js';
import { agentHeaders } from './agentHeaders.js';
import { deadLetterQueue } from './deadLetterQueue.js';

/** A request copied to the dead-letter stream. */
export interface DeadLettered {
  /** The dead-letter stream's subject it went to, `agent.dlq.<typeToken>`. */
  readonly subject: string;
  /** Its sequence number in `AGENT_DLQ`. */
  readonly seq: number;
  /** True when the stream already held this dead letter (a second attempt, after a crash before the term): stored once. */
  readonly duplicate: boolean;
}

/**
 * Gives up on a request a worker pulled (distributed.md §5.3, "failed"): copies it to the
 * dead-letter stream, waits until the broker has stored the copy, and only then terminates the
 * delivery, so the request is never lost between the two. Use it for a permanent failure at once,
 * and for a retriable one on its last delivery (`deliveryCount` = the consumer's `max_deliver`)
 * instead of a nak.
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
  const subject = deadLetterSubject(message);
  const copy = copyHeaders(message.headers);
  copy.set(agentHeaders.deadLetterReason, reason);
  copy.set(agentHeaders.deliveryCount, String(message.info.deliveryCount));
  copy.set(agentHeaders.originalSubject, message.subject);
  copy.set(agentHeaders.originalSeq, String(message.seq));
  const msgID = message.headers?.get('Nats-Msg-Id') || `${message.info.stream}/${message.seq}`;
  let ack;
  try {
    ack = await client.publish(subject, message.data, { headers: copy, msgID, expect: { streamName: deadLetterQueue.stream } });
  } catch (error) {
    if (!(error instanceof Error) || (error.name !== 'JetStreamNotEnabled' && error.name !== 'NoRespondersError')) throw error;
    throw new BrokerMisconfiguredError(
      `No NATS stream stores ${subject}: the dead-letter stream ${deadLetterQueue.stream} is missing, so the request was kept ` +
        '(not terminated). Create the stream with ensureDeadLetterStream (workers do at start).',
      { cause: error },
    );
  }
  // No reason on the term: nats-server before 2.11 does not parse "+TERM <reason>" and leaves the
  // delivery pending (it would be redelivered); the reason travels in the copy's header instead.
  message.term();
  return { subject, seq: ack.seq, duplicate: ack.duplicate };
}

/**
 * `agent.dlq.<typeToken>` of the request's agent type: from its `Agent-Target-Type` header, else the
 * (already encoded) type token of its subject `agent.in.<typeToken>.<partition>`.
 */
function deadLetterSubject(message: JsMsg): string {
  const type = message.headers?.get(agentHeaders.targetType);
  if (type) return deadLetterQueue.subject(type);
  return `${deadLetterQueue.subjects.slice(0, -'>'.length)}${message.subject.split('.')[2] ?? 'unknown'}`;
}

function copyHeaders(original: MsgHdrs | undefined): MsgHdrs {
  const copy = headers();
  for (const key of original?.keys() ?? []) for (const value of original!.values(key)) copy.append(key, value);
  return copy;
}
