import type { JetStreamClient } from '@nats-io/jetstream';
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { BrokerMisconfiguredError } from '../errors/BrokerMisconfiguredError.js';
import { agentHeaders } from './agentHeaders.js';
import { deadLetterQueue } from './deadLetterQueue.js';
import { putHeader } from './putHeader.js';

/** A request copied to the dead-letter stream. */
export interface DeadLettered {
  /** The dead-letter stream's subject it went to, `agent.dlq.<typeToken>`. */
  readonly subject: string;
  /** Its sequence number in `AGENT_DLQ`. */
  readonly seq: number;
  /** True when the stream already held this dead letter (a second attempt, after a crash before the removal): stored once. */
  readonly duplicate: boolean;
}

/** A request in the request stream, as pulled or as read back by sequence. */
export interface QueuedRequest {
  /** Its subject, `agent.in.<typeToken>.<partition>`. */
  readonly subject: string;
  /** Its stream and sequence number there. */
  readonly stream: string;
  readonly seq: number;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
  /** How many times it was delivered. */
  readonly deliveryCount: number;
}

/**
 * Copies a request to the dead-letter stream and resolves once the broker stored the copy: its
 * body and headers, plus `Agent-Dead-Letter-Reason`, `Agent-Delivery-Count`, `Agent-Original-Subject`
 * and `Agent-Original-Seq`, published with the request's `Nats-Msg-Id` (or `<stream>/<seq>`) so a
 * second copy of the same request is stored once.
 *
 * @throws {@link BrokerMisconfiguredError} when no stream stores the dead-letter subject.
 */
export async function copyToDeadLetters(client: JetStreamClient, request: QueuedRequest, reason: string): Promise<DeadLettered> {
  const subject = deadLetterSubject(request);
  const copy = headers();
  for (const key of request.headers?.keys() ?? []) for (const value of request.headers!.values(key)) copy.append(key, value);
  putHeader(copy, agentHeaders.deadLetterReason, headerText(reason));
  putHeader(copy, agentHeaders.deliveryCount, String(request.deliveryCount));
  putHeader(copy, agentHeaders.originalSubject, request.subject);
  putHeader(copy, agentHeaders.originalSeq, String(request.seq));
  const msgID = request.headers?.get('Nats-Msg-Id') || `${request.stream}/${request.seq}`;
  try {
    const ack = await client.publish(subject, request.data, { headers: copy, msgID, expect: { streamName: deadLetterQueue.stream } });
    return { subject, seq: ack.seq, duplicate: ack.duplicate };
  } catch (error) {
    if (!(error instanceof Error) || (error.name !== 'JetStreamNotEnabled' && error.name !== 'NoRespondersError')) throw error;
    throw new BrokerMisconfiguredError(
      `No NATS stream stores ${subject}: the dead-letter stream ${deadLetterQueue.stream} is missing, so the request was kept ` +
        'in its queue. Create the stream with ensureDeadLetterStream (workers do at start).',
      { cause: error },
    );
  }
}

/** The reason as a header value: on one line (headers cannot hold line breaks), at most 1,000 characters. */
function headerText(reason: string): string {
  const line = reason.replace(/\s*[\r\n]+\s*/g, ' ');
  return line.length > 1_000 ? `${line.slice(0, 1_000)}…` : line;
}

/**
 * `agent.dlq.<typeToken>` of the request's agent type: from its `Agent-Target-Type` header, else the
 * (already encoded) type token of its subject `agent.in.<typeToken>.<partition>`.
 */
function deadLetterSubject(request: QueuedRequest): string {
  const type = request.headers?.get(agentHeaders.targetType);
  if (type) return deadLetterQueue.subject(type);
  return `${deadLetterQueue.subjects.slice(0, -'>'.length)}${request.subject.split('.')[2] ?? 'unknown'}`;
}
