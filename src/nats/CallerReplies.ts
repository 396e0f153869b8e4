import type { NatsConnection } from '@nats-io/transport-node';
import type { StatusEvent } from '../core/RuntimeEvents.js';
import type { RequestEnvelope, ResponseEnvelope } from '../protocol/Envelope.js';
import type { EncodedEnvelope } from '../protocol/encodeEnvelope.js';
import { PendingAcks, type AcknowledgedRequest, type EarlyAckLevel } from './PendingAcks.js';
import { publishReply, sendReply } from './publishReply.js';

/** Where the replies of a request being served go. */
interface ReplyTarget {
  readonly replyTo: string;
  readonly from: string;
  /** The caller-side attempt it is (its replies carry it, for the caller's inbox). */
  readonly attempt: number | undefined;
}

/**
 * @internal What a worker says to the callers of the requests it serves, in order, on their reply
 * addresses: `received` as it takes a request, `processing` as its handler starts, a handler's
 * progress reports, then the answer. The early acknowledgments wait for the end of the event loop's
 * turn ({@link PendingAcks}): an answer that comes first says them itself.
 */
export class CallerReplies {
  /** Where the replies of the requests being served go, by request id. */
  private readonly targets = new Map<string, ReplyTarget>();
  /** The `received` / `processing` acknowledgments not said yet: said at the end of the event loop's turn, or with the answer. */
  private readonly acks = new PendingAcks((replyTo, request, level) => this.acknowledge(replyTo, request, level));

  constructor(
    private readonly connection: NatsConnection,
    /** The id of this worker (the replies' `Agent-Worker` header). */
    private readonly workerId: string,
  ) {}

  /** The worker took `request` (answered on `replyTo`): says `received`, and relays its handler's levels and reports until {@link done}. */
  received(replyTo: string, request: RequestEnvelope): void {
    this.acks.note(replyTo, request, 'received');
    this.targets.set(request.request_id, { replyTo, from: request.to, attempt: request.metadata.attempt });
  }

  /** The request is no longer being served here: nothing more is relayed for it. */
  done(requestId: string): void {
    this.targets.delete(requestId);
  }

  /** The engine's `processing` level of a request being served (each attempt of its handler). */
  processing(requestId: string): void {
    const target = this.targets.get(requestId);
    if (target === undefined) return;
    this.acks.note(target.replyTo, { to: target.from, request_id: requestId, metadata: { attempt: target.attempt } }, 'processing');
  }

  /** A handler's `ctx.reportStatus(…)` on a request being served, relayed as a `progress` status. */
  readonly progress = (report: StatusEvent): void => {
    const target = this.targets.get(report.messageId);
    if (target === undefined) return;
    this.acks.sayBefore(report.messageId); // `processing` first
    const metadata = { ...(target.attempt === undefined ? {} : { attempt: target.attempt }), ...(report.etaMs === undefined ? {} : { eta_ms: Math.max(0, Math.round(report.etaMs)) }) };
    const payload = { ...(report.detail === undefined ? {} : { detail: report.detail }), ...(report.progress === undefined ? {} : { progress: report.progress }) };
    const reply = { v: 1 as const, type: 'status' as const, status: 'progress' as const, from: target.from, request_id: report.messageId, action: 'StatusReport', payload, metadata };
    publishReply(this.connection, target.replyTo, reply, { worker: this.workerId });
  };

  /** Says request `requestId`'s acknowledgment now if it is unsaid: before a reply that must follow it (a dead-letter verdict). */
  sayBefore(requestId: string): void {
    this.acks.sayBefore(requestId);
  }

  /** Sends the answer to `replyTo` (after the request's unsaid acknowledgment, unless the answer implies it). */
  answer(replyTo: string, answer: EncodedEnvelope<ResponseEnvelope>): void {
    this.acks.answering(answer.envelope.request_id);
    sendReply(this.connection, replyTo, answer, this.workerId);
  }

  /** Sends an acknowledgment of the request to its caller's inbox (with its caller-side attempt, for the inbox's routing). */
  private acknowledge(replyTo: string, request: AcknowledgedRequest, status: EarlyAckLevel): void {
    const attempt = request.metadata.attempt;
    const metadata = attempt === undefined ? {} : { attempt };
    publishReply(this.connection, replyTo, { v: 1, type: 'status', status, from: request.to, request_id: request.request_id, metadata }, { worker: this.workerId });
  }
}
