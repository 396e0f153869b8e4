import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { headers as newHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { AgentId } from '../core/AgentId.js';
import type { DeadLetterQueue, DeadLetterSource } from '../core/DeadLetterQueue.js';
import type { DeadLetterRecord } from '../core/DeadLetterRecord.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { DeadLetteredError } from '../errors/DeadLetteredError.js';
import { RuntimeStoppedError } from '../errors/RuntimeStoppedError.js';
import { decodeEnvelope } from '../protocol/decodeEnvelope.js';
import { encodeEnvelope } from '../protocol/encodeEnvelope.js';
import type { RequestEnvelope } from '../protocol/Envelope.js';
import type { MessageCodec } from '../protocol/MessageCodec.js';
import type { Clock } from '../util/Clock.js';
import { reportUncaught } from '../util/reportUncaught.js';
import { agentHeaders } from './agentHeaders.js';
import { deadLetterQueue } from './deadLetterQueue.js';
import { deleteStreamMessage } from './deleteStreamMessage.js';
import { fromWireError } from './fromWireError.js';
import type { NatsSession } from './NatsSession.js';
import { queuedRequestAddress } from './queuedRequestAddress.js';
import { requestQueue } from './requestQueue.js';

/** @internal What {@link ClusterDeadLetters} works with. */
export interface ClusterDeadLettersEnvironment {
  /** The runtime's dead-letter queue, which lists the cluster's dead letters too. */
  readonly queue: DeadLetterQueue;
  readonly codec: MessageCodec;
  readonly clock: Clock;
}

/** The headers a dead letter adds to its request's, dropped when it is replayed (and those the replay sets anew). */
const DEAD_LETTER_HEADERS = new Set(
  [agentHeaders.deadLetterReason, agentHeaders.deliveryCount, agentHeaders.originalSubject, agentHeaders.originalSeq, agentHeaders.replyTo, agentHeaders.deadline, 'Nats-Msg-Id'].map((name) => name.toLowerCase()),
);

/**
 * @internal The cluster's dead letters in the runtime's `deadLetters` (distributed.md §5.1): a
 * mirror of the dead-letter stream `AGENT_DLQ`, read from its start by an ordered consumer while
 * the runtime runs. Each dead letter becomes a record with the id `dlq-<sequence in AGENT_DLQ>`
 * (the same in every process; a `deadLetter` event fires as it appears), beside the process's own
 * records (`dl-<n>`), at most the queue's capacity (`deadLetterCapacity`) in all; the records
 * leave the mirror when the runtime stops.
 *
 * `replay(id)` takes the request out of `AGENT_DLQ` and back into the request stream: its original
 * body and headers, the replaying process's inbox as `Agent-Reply-To` (and `metadata.reply_to`), no deadline (its `timeout_ms`
 * still limits the handler), the same request id — so a result stored for it and effects done with
 * `ctx.once` count — and the `Nats-Msg-Id` `<request id>[#<attempt>]/replay/<sequence>`: unique per dead letter
 * (the request id alone would be dropped as a duplicate within the stream's duplicate window) and
 * the same for every replay of that dead letter, so two processes replaying it at once queue it
 * once (the second is refused with a `ConfigurationError`). Then the dead letter is deleted from
 * `AGENT_DLQ` and a note on `agent.dlq.<typeToken>.settled` tells every mirror to drop it. The
 * replay resolves with the answer: it rejects with the handler's error, or with a
 * {@link DeadLetteredError} when it is dead-lettered again (a new record then appears).
 * `remove(id)` (and `clear()`) deletes the dead letter from `AGENT_DLQ` the same way, for every process.
 */
export class ClusterDeadLetters implements DeadLetterSource {
  private session: NatsSession | undefined;
  private messages: ConsumerMessages | undefined;
  /** Replays waiting for their answers, to end them when the runtime stops. */
  private readonly replays = new Set<(error: unknown) => void>();
  /** The ids of the records mirrored (to drop them when the runtime stops). */
  private readonly mirrored = new Set<string>();

  constructor(private readonly env: ClusterDeadLettersEnvironment) {}

  /** Starts mirroring `AGENT_DLQ`; resolves once the dead letters it held at that moment are listed. */
  async open(session: NatsSession): Promise<void> {
    this.session = session;
    let caughtUp!: () => void;
    const listed = new Promise<void>((resolve) => (caughtUp = resolve));
    const consumer = await session.client.consumers.get(deadLetterQueue.stream, { filter_subjects: deadLetterQueue.subjects });
    this.messages = await consumer.consume({
      callback: (message) => {
        this.receive(message);
        if (message.info.pending === 0) caughtUp(); // the last one stored so far
      },
    });
    // asked once consuming: a stream empty now has nothing to wait for, else its last message comes with pending 0
    if ((await session.manager.streams.info(deadLetterQueue.stream)).state.messages === 0) caughtUp();
    await listed;
  }

  /** Stops mirroring, ends the replays waiting for an answer with `RuntimeStoppedError`, and drops the mirrored records. */
  async close(): Promise<void> {
    const messages = this.messages;
    this.messages = undefined;
    this.session = undefined;
    await messages?.close().catch(() => undefined);
    for (const end of [...this.replays]) end(new RuntimeStoppedError('The runtime stopped before the replayed dead letter was answered.'));
    for (const id of this.mirrored) this.env.queue.drop(id);
    this.mirrored.clear();
  }

  /** Replays the dead letter `record` (see the class): resolves with its answer. */
  async redeliver(record: DeadLetterRecord): Promise<void> {
    this.mirrored.delete(record.id);
    const session = this.running(record);
    const seq = sequenceOf(record.id);
    const stored = await session.manager.streams.getMessage(deadLetterQueue.stream, { seq });
    if (stored === null) throw new ConfigurationError(`The dead letter ${record.id} is no longer in ${deadLetterQueue.stream}: another process replayed or removed it.`);
    const subject = stored.header.get(agentHeaders.originalSubject) || undefined;
    if (subject === undefined) throw new ConfigurationError(`The dead letter ${record.id} does not say which request queue it came from (${agentHeaders.originalSubject}): it cannot be replayed.`);
    const { requestId, key } = queuedRequestAddress(stored.header, requestEnvelope(stored.data));
    const answer = requestId === undefined || key === undefined ? undefined : this.answerTo(session, requestId, key, record);
    answer?.promise.catch(() => undefined); // awaited below, after the requeue
    try {
      const accepted = await session.client.publish(subject, replayBody(stored.data, session.inbox.subject), {
        headers: replayHeaders(stored.header, session.inbox.subject),
        msgID: `${key ?? `${deadLetterQueue.stream}/${seq}`}/replay/${seq}`,
        expect: { streamName: requestQueue.stream },
      });
      await this.settle(session, stored.subject, seq);
      if (accepted.duplicate) throw new ConfigurationError(`The dead letter ${record.id} was replayed already (by another process, or an earlier replay): it is queued once.`);
    } catch (error) {
      answer?.end(error); // nobody will answer this replay
      throw error;
    }
    await answer?.promise;
  }

  /** The record was removed from the runtime's queue: delete the dead letter from `AGENT_DLQ` (for every process). */
  removed(record: DeadLetterRecord): void {
    this.mirrored.delete(record.id);
    const session = this.session;
    if (session === undefined) return;
    void session.manager.streams
      .getMessage(deadLetterQueue.stream, { seq: sequenceOf(record.id) })
      .then((stored) => (stored === null ? undefined : this.settle(session, stored.subject, stored.seq)))
      .catch(reportUncaught);
  }

  private running(record: DeadLetterRecord): NatsSession {
    if (this.session !== undefined) return this.session;
    throw new RuntimeStoppedError(`The runtime is stopped: start it to replay the dead letter ${record.id}.`);
  }

  /** The replayed request's answer to this process's inbox (resolved, or rejected with its error), and how to end the wait without one. */
  private answerTo(session: NatsSession, requestId: string, key: string, record: DeadLetterRecord): { readonly promise: Promise<void>; readonly end: (error: unknown) => void } {
    let end!: (error: unknown) => void;
    const promise = new Promise<void>((resolve, reject) => {
      end = (error: unknown): void => {
        this.replays.delete(end);
        unexpect();
        reject(error);
      };
      const unexpect = session.inbox.expect(key, (reply) => {
        if (reply.type !== 'response') return;
        this.replays.delete(end);
        if (reply.status === 'completed') resolve();
        else reject(fromWireError(reply.error, { messageId: requestId, agentId: record.recipient }));
      });
      this.replays.add(end);
    });
    return { promise, end };
  }

  /** Deletes the dead letter at `seq` from `AGENT_DLQ` and tells every mirror it is settled. */
  private async settle(session: NatsSession, subject: string, seq: number): Promise<void> {
    await deleteStreamMessage(session.manager, deadLetterQueue.stream, seq); // another process may have settled it first
    const note = newHeaders();
    note.set(agentHeaders.deadLetterSeq, String(seq));
    await session.client.publish(deadLetterQueue.settledSubject(subject), undefined, { headers: note, expect: { streamName: deadLetterQueue.stream } });
  }

  private receive(message: JsMsg): void {
    if (deadLetterQueue.isSettledSubject(message.subject)) {
      const id = `dlq-${message.headers?.get(agentHeaders.deadLetterSeq) ?? ''}`;
      this.mirrored.delete(id);
      this.env.queue.drop(id);
      return;
    }
    const id = `dlq-${message.seq}`;
    this.mirrored.add(id);
    this.env.queue.add(this.fieldsOf(message, id), { id, source: this });
  }

  /** A dead letter as a record: its message decoded as far as it goes (the message, else the envelope, else the body's text). */
  private fieldsOf(message: JsMsg, id: string): Parameters<DeadLetterQueue['add']>[0] {
    const envelope = requestEnvelope(message.data);
    const { requestId, recipient, sender } = queuedRequestAddress(message.headers, envelope);
    const reason = message.headers?.get(agentHeaders.deadLetterReason) || 'no reason given';
    const to = recipient ?? new AgentId('unknown', 'unknown');
    const error = new DeadLetteredError(
      `Request ${requestId ?? '(without id)'} to ${String(to)} was dead-lettered: ${reason}. Fix the cause, then replay it with runtime.deadLetters.replay('${id}').`,
      { ...(requestId === undefined ? {} : { messageId: requestId }), agentId: to },
    );
    const at = this.env.clock.now();
    return {
      messageId: requestId ?? `${deadLetterQueue.stream}/${message.seq}`,
      message: this.messageOf(envelope, message.data),
      recipient: to,
      ...(sender === undefined ? {} : { sender }),
      error,
      attempts: Number(message.headers?.get(agentHeaders.deliveryCount) || 0),
      at,
      wallTime: Number(message.timestampNanos / 1_000_000n),
    };
  }

  private messageOf(envelope: RequestEnvelope | undefined, data: Uint8Array): unknown {
    if (envelope === undefined) return new TextDecoder().decode(data);
    try {
      return this.env.codec.fromEnvelope(envelope);
    } catch {
      return envelope; // a payload this codec cannot rebuild: the envelope as it is
    }
  }
}

/** `dlq-<seq>` → seq. */
function sequenceOf(id: string): number {
  return Number(id.slice('dlq-'.length));
}

/** The request envelope a dead letter's body holds, when it decodes. */
function requestEnvelope(data: Uint8Array): RequestEnvelope | undefined {
  try {
    const envelope = decodeEnvelope(data);
    return envelope.type === 'request' ? envelope : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The request's body for a replay: without its deadline (long past, typically) and answered to
 * `replyTo` (the envelope's `reply_to` counts before the header); as it was when it does not decode.
 */
function replayBody(data: Uint8Array, replyTo: string): Uint8Array | string {
  const envelope = requestEnvelope(data);
  if (envelope === undefined) return data;
  const { deadline: _deadline, ...metadata } = envelope.metadata;
  return encodeEnvelope({ ...envelope, metadata: { ...metadata, reply_to: replyTo } });
}

/** The request's own headers for a replay, answering to `replyTo`. */
function replayHeaders(stored: MsgHdrs, replyTo: string): MsgHdrs {
  const h = newHeaders();
  for (const key of stored.keys()) {
    if (DEAD_LETTER_HEADERS.has(key.toLowerCase())) continue;
    for (const value of stored.values(key)) h.append(key, value);
  }
  h.set(agentHeaders.replyTo, replyTo);
  return h;
}
