import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { DeadLetteredError } from '../errors/DeadLetteredError.js';
import type { RequestEnvelope } from '../protocol/Envelope.js';
import type { MessageCodec } from '../protocol/MessageCodec.js';
import { UnknownPayload } from '../protocol/UnknownPayload.js';
import { countOf } from '../util/countOf.js';
import { describeValue } from '../util/describeValue.js';
import { isAgentwireError } from '../errors/AgentwireError.js';
import { deadLetter } from './deadLetter.js';
import { DeadLetterMover, type MovedDeadLetter } from './DeadLetterMover.js';
import type { NatsSession } from './NatsSession.js';
import { publishReply } from './publishReply.js';
import { queuedRequestAddress } from './queuedRequestAddress.js';

/** What a worker does with a request whose handler failed. */
export type FailureVerdict =
  /** Answer the caller with the failure (the in-process contract). */
  | { readonly kind: 'answer' }
  /** Leave it unanswered and let the stream deliver it again after `delayMs` (`nak`). */
  | { readonly kind: 'redeliver'; readonly delayMs: number }
  /** Copy it to the dead-letter stream, terminate it and answer `failed(dead-lettered)`. */
  | { readonly kind: 'dead-letter'; readonly reason: string };

/** @internal What {@link RequestDeadLetters} works with. */
export interface RequestDeadLettersEnvironment {
  readonly session: NatsSession;
  readonly codec: MessageCodec;
  readonly workerId: string;
  /** The request consumers' `max_deliver`. */
  readonly maxDeliver: number;
  /**
   * The delays before the deliveries after the first, in ms, when handler errors marked
   * `retriable: true` are retried by redelivery (the last delay repeats); `undefined`: such errors
   * are answered like any other.
   */
  readonly redeliveryDelaysMs: readonly number[] | undefined;
}

/**
 * @internal A worker's side of poison requests (distributed.md §5.3 item 4, §5.1 "DLQ mover"):
 * which failures are answered, retried by redelivery or dead-lettered, the dead-lettering itself
 * (copy to `AGENT_DLQ`, then `term`) and the `failed(dead-lettered)` answer — a
 * {@link DeadLetteredError} — sent to the caller at once. It also runs the {@link DeadLetterMover}
 * of the process (once it hosts a type), which moves requests the stream gave up on after
 * `max_deliver` deliveries (workers that crashed on them, handlers that outlived the ack wait) and
 * answers their callers the same way.
 *
 * A handler's error is the caller's answer, as in-process; only a request that cannot be served is
 * dead-lettered: one the worker cannot decode, one whose message type this worker's codec does not
 * know and no handler took, and one whose deliveries ran out.
 */
export class RequestDeadLetters {
  private mover: Promise<DeadLetterMover> | undefined;

  constructor(private readonly env: RequestDeadLettersEnvironment) {}

  /**
   * What to do with a handler failure on delivery `deliveryCount` of a request carrying `message`,
   * whose caller waits `timeLeftMs` more (`undefined`: no deadline).
   */
  judge(error: unknown, message: unknown, deliveryCount: number, timeLeftMs: number | undefined): FailureVerdict {
    if (message instanceof UnknownPayload && isAgentwireError(error) && error.code === 'CANT_HANDLE') {
      return { kind: 'dead-letter', reason: `its message type "${message.action}" is not registered in the worker's codec and no handler took it (register the class in the codec of the workers hosting the type, then replay it)` };
    }
    const delays = this.env.redeliveryDelaysMs;
    if (delays === undefined || !isRetriable(error)) return { kind: 'answer' };
    if (deliveryCount >= this.env.maxDeliver) {
      return { kind: 'dead-letter', reason: `its handler failed on all ${deliveryCount} deliveries (max_deliver), last with ${describeValue(error)}` };
    }
    const delayMs = delays[Math.min(deliveryCount - 1, delays.length - 1)] ?? 0;
    if (timeLeftMs !== undefined && timeLeftMs <= delayMs) return { kind: 'answer' }; // no time left for another delivery
    return { kind: 'redeliver', delayMs };
  }

  /**
   * Copies the pulled request to `AGENT_DLQ`, terminates it once the copy is stored, and returns the
   * error its caller is answered with (see {@link answer}).
   */
  async giveUp(message: JsMsg, reason: string, envelope?: RequestEnvelope): Promise<DeadLetteredError> {
    const copied = await deadLetter(this.env.session.client, message, reason);
    return this.errorFor(message.headers, envelope, reason, copied.seq);
  }

  /** Sends the caller of the request (`Agent-Reply-To`, if any) its `failed` answer with `error`. */
  answer(headers: MsgHdrs | undefined, error: DeadLetteredError, envelope?: RequestEnvelope): void {
    const { requestId, replyTo, recipient, sender, attempt } = queuedRequestAddress(headers, envelope);
    if (requestId === undefined || replyTo === undefined || recipient === undefined) return; // nobody to answer
    const metadata = attempt === undefined ? {} : { attempt }; // a caller-side retry's answer names its attempt
    const failure = this.env.codec.toFailureEnvelope(error, { type: 'response', from: recipient, to: sender, requestId, metadata });
    publishReply(this.env.session.connection, replyTo, failure, { worker: this.env.workerId });
  }

  /** Starts this process's {@link DeadLetterMover} unless it runs (a process that hosts a type runs one). */
  async watch(): Promise<void> {
    this.mover ??= DeadLetterMover.start(this.env.session.connection, { onMoved: (moved) => this.moved(moved) });
    await this.mover;
  }

  /** Stops the mover, if it runs; resolves once its moves under way are done. */
  async stop(): Promise<void> {
    const mover = await this.mover?.catch(() => undefined);
    await mover?.stop();
  }

  /** A request the stream gave up on was moved: its caller gets its answer. */
  private moved(moved: MovedDeadLetter): void {
    const reason = `it was delivered ${countOf(moved.deliveries, 'time')} (max_deliver) without being answered: its workers crashed or outlived the ack wait on it`;
    this.answer(moved.headers, this.errorFor(moved.headers, undefined, reason, moved.seq));
  }

  private errorFor(headers: MsgHdrs | undefined, envelope: RequestEnvelope | undefined, reason: string, seq: number): DeadLetteredError {
    const { requestId, recipient } = queuedRequestAddress(headers, envelope);
    const id = `dlq-${seq}`;
    return new DeadLetteredError(
      `Request ${requestId ?? '(without id)'} to ${recipient === undefined ? 'an unknown agent' : String(recipient)} was dead-lettered: ${reason}. ` +
        `It is kept in AGENT_DLQ as ${id}: fix the cause, then replay it with runtime.deadLetters.replay('${id}') from any process.`,
      { ...(requestId === undefined ? {} : { messageId: requestId }), ...(recipient === undefined ? {} : { agentId: recipient }) },
    );
  }
}

/** True for an error its thrower marked `retriable: true` (as the wire's `retriable` flag carries it). */
function isRetriable(error: unknown): boolean {
  try {
    return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
  } catch {
    return false;
  }
}
