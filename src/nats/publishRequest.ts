import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { MessageValidationError } from '../errors/MessageValidationError.js';
import { splitAddress } from '../protocol/addresses.js';
import type { RequestEnvelope } from '../protocol/Envelope.js';
import { encodeEnvelope, type EncodedEnvelope } from '../protocol/encodeEnvelope.js';
import type { WireLimits } from '../protocol/WireLimits.js';
import { agentHeaders } from './agentHeaders.js';
import { attemptKey } from './attemptKey.js';
import { partitionOf } from './partitionOf.js';
import { publishToStream } from './publishToStream.js';
import type { StreamPublishing } from './StreamPublisher.js';
import { requestQueue } from './requestQueue.js';
import { putHeader } from './putHeader.js';

/** The "accepted" acknowledgment level: the broker has stored the request (its PubAck). */
export interface RequestAccepted {
  /** The request id (the envelope's `request_id`, the `Nats-Msg-Id`). */
  readonly requestId: string;
  /** The stream that stored it (`AGENT_IN`). */
  readonly stream: string;
  /** Its sequence number in the stream. */
  readonly seq: number;
  /** True when the server already had this request id within its duplicate window: a retried publish, stored once. */
  readonly duplicate: boolean;
  /** The subject it was published on, `agent.in.<typeToken>.<partition>`. */
  readonly subject: string;
  /** The recipient's partition. */
  readonly partition: number;
}

/** Options of {@link publishRequest}. */
export interface PublishRequestOptions extends Partial<WireLimits> {
  /** The cluster's partitions per agent type (must match the workers'). Default 32. */
  readonly partitions?: number;
  /** How long to wait for the PubAck, in ms. Default: the client's (5 s). */
  readonly timeoutMs?: number;
  /**
   * Where the worker sends the request's acknowledgments and answer: the caller's `ReplyInbox` subject.
   * Sent in the `Agent-Reply-To` header, and in the envelope's `metadata.reply_to` unless it names one already (then that one counts).
   */
  readonly replyTo?: string;
}

/**
 * Publishes a request envelope into the durable request stream and resolves once the broker has
 * stored it (the *accepted* level). The body is the encoded envelope; the subject is the
 * recipient's partition; `Nats-Msg-Id` is the request id, so publishing the same request again
 * (a retry after a lost PubAck) is stored once and answered with `duplicate: true`.
 *
 * @throws {@link MessageValidationError} when the envelope is invalid or too large (nothing is sent).
 * @throws {@link BrokerMisconfiguredError} when no stream captures the subject (run {@link ensureRequestStream}).
 */
export async function publishRequest(client: JetStreamClient, envelope: RequestEnvelope, options: PublishRequestOptions = {}): Promise<RequestAccepted> {
  const replyTo = envelope.metadata.reply_to ?? options.replyTo;
  const sent = replyTo === envelope.metadata.reply_to ? envelope : { ...envelope, metadata: { ...envelope.metadata, reply_to: replyTo } };
  return publishEncodedRequest(client, { envelope: sent, text: encodeEnvelope(sent, options) }, { ...options, replyTo });
}

/** @internal {@link publishRequest} of an envelope encoded already (`MessageCodec.encode`). */
export async function publishEncodedRequest(client: StreamPublishing, encoded: EncodedEnvelope<RequestEnvelope>, options: PublishRequestOptions): Promise<RequestAccepted> {
  const { envelope, text: body } = encoded;
  const target = splitAddress(envelope.to);
  if (target === undefined) {
    throw new MessageValidationError('Envelope', [{ code: 'invalid_format', path: ['to'], message: 'expected an agent address "type/key"' }]);
  }
  const partition = partitionOf(target.type, target.rest, options.partitions ?? 32);
  const subject = requestQueue.subject(target.type, partition);
  const ack = await publishToStream(client, { stream: requestQueue.stream, label: 'request stream', ensure: 'ensureRequestStream' }, subject, body, {
    msgID: attemptKey(envelope.request_id, envelope.metadata.attempt),
    headers: requestHeaders(envelope, target.type, target.rest, options.replyTo),
    timeout: options.timeoutMs,
  });
  return { requestId: envelope.request_id, stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate, subject, partition };
}

function requestHeaders(envelope: RequestEnvelope, type: string, key: string, replyTo: string | undefined) {
  const h = headers();
  putHeader(h, agentHeaders.kind, 'rpc');
  putHeader(h, agentHeaders.targetType, type);
  putHeader(h, agentHeaders.targetKey, key);
  putHeader(h, agentHeaders.requestId, envelope.request_id);
  if (envelope.metadata.deadline !== undefined) putHeader(h, agentHeaders.deadline, String(envelope.metadata.deadline));
  if (replyTo !== undefined) putHeader(h, agentHeaders.replyTo, replyTo);
  return h;
}
