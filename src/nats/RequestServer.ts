import type { JsMsg } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import { AgentId } from '../core/AgentId.js';
import type { AgentRuntime } from '../core/AgentRuntime.js';
import type { AckEvent } from '../core/RuntimeEvents.js';
import type { RequestEnvelope, ResponseEnvelope } from '../protocol/Envelope.js';
import type { MessageCodec } from '../protocol/MessageCodec.js';
import { CancelledError } from '../errors/CancelledError.js';
import { reportUncaught } from '../util/reportUncaught.js';
import { wallTimeOf } from '../util/wallTimeOf.js';
import { agentHeaders } from './agentHeaders.js';
import type { NatsSession } from './NatsSession.js';
import { publishReply } from './publishReply.js';
import { readRequest } from './readRequest.js';
import { requestCancels } from './requestCancels.js';

/** @internal The outcome of a request served in the process that sent it, handed over as the very object (not a decoded copy). */
export interface LocalOutcome {
  readonly ok: boolean;
  readonly outcome: unknown;
}

/** @internal Left by a caller in this process for a request it gave up before this process's server took it: drop it unrun. */
export const ABANDONED: unique symbol = Symbol('abandoned request');

/** @internal What a {@link RequestServer} works with. */
export interface RequestServerEnvironment {
  /** The in-process runtime that hosts this process's agent types and runs their turns. */
  readonly engine: AgentRuntime;
  readonly session: NatsSession;
  readonly codec: MessageCodec;
  readonly workerId: string;
  /** The request stream's ack wait, in ms (heartbeats go every third of it while a handler runs). */
  readonly ackWaitMs: number;
  /** Outcomes of requests whose caller is this very process, by request id (taken by the caller on the answer). */
  readonly localOutcomes: Map<string, LocalOutcome>;
  /** Messages sent by this very process, by request id: served here, the handler gets the object itself, as in-process. */
  readonly localMessages: Map<string, unknown>;
  /** True while a caller in this process waits for the answer to `requestId`. */
  awaits(requestId: string): boolean;
}

/**
 * How long after a remote caller's deadline a handler still runs unless its caller's cancel arrives:
 * the caller's own timer is the one that fails the request (with the limit the caller set), and
 * clocks of two machines differ a little.
 */
const REMOTE_DEADLINE_GRACE_MS = 1_000;

/** Where the acknowledgments of a request being served go. */
interface ReplyTarget {
  readonly replyTo: string;
  readonly from: string;
}

/**
 * @internal Turns a request pulled from the stream into a local delivery and its settlement into
 * the answer (distributed.md §4.3): a stored answer is replayed without running the handler;
 * otherwise the request is sent to the in-process engine with its request id, sender and time
 * limit (so mailboxes, turns, handler policies, lifecycle and dead letters are the engine's), its
 * `received` and `processing` acknowledgments go to the caller's inbox as they happen, the
 * delivery is kept alive with `working()` while the handler runs, and the answer is stored, then
 * replied, then acked.
 */
export class RequestServer {
  private readonly replying = new Map<string, ReplyTarget>();
  /** The requests being served, by request id, to cancel them when their caller asks (`agent.ctl.cancel`). */
  private readonly cancels = new Map<string, AbortController>();
  private readonly cancelSubscription: Subscription;
  private readonly onAck = (ack: AckEvent): void => this.acknowledge(ack);
  private stopped = false;
  /** Requests being served (pulled and not yet acked). */
  private inFlight = 0;

  constructor(private readonly env: RequestServerEnvironment) {
    env.engine.events.on('ack', this.onAck);
    this.cancelSubscription = requestCancels.subscribe(env.session.connection, (requestId) => this.cancel(requestId));
  }

  /** Number of requests pulled and not yet settled. */
  get busy(): number {
    return this.inFlight;
  }

  /**
   * Serves one pulled request; resolves once it is settled (never rejects: failures of the broker are reported as uncaught).
   * `fresh` is checked before the answer is stored (fencing): when the partition's lease is no
   * longer fresh the answer is dropped and the request nak'ed, so its new owner serves it.
   */
  readonly serve = (message: JsMsg, fresh: () => boolean = () => true): Promise<void> => {
    this.inFlight++;
    return this.handle(message, fresh).then(
      () => {
        this.inFlight--;
      },
      (error: unknown) => {
        this.inFlight--;
        if (!this.stopped) reportUncaught(error);
      },
    );
  };

  /** Stops answering: requests still running end unanswered and unacked, so the stream redelivers them. */
  stop(): void {
    this.stopped = true;
    this.env.engine.events.off('ack', this.onAck);
    this.cancelSubscription.unsubscribe();
  }

  /** True when the request is being served here. */
  serving(requestId: string): boolean {
    return this.cancels.has(requestId);
  }

  /** The caller gave up a request (`reason`: its error): aborts it if it is served here; false when it is not. */
  cancel(requestId: string, reason: unknown = new CancelledError('The caller cancelled the request (from another process).', { messageId: requestId })): boolean {
    const controller = this.cancels.get(requestId);
    controller?.abort(reason);
    return controller !== undefined;
  }

  private async handle(message: JsMsg, fresh: () => boolean): Promise<void> {
    let envelope: RequestEnvelope;
    let deliveryCount: number;
    try {
      ({ envelope, deliveryCount } = readRequest(message));
    } catch {
      // It will never decode (dead-lettering comes with the DLQ stream). No reason given: nats-server 2.9
      // ignores a term that carries one, and the message would come back.
      message.term();
      return;
    }
    const replyTo = message.headers?.get(agentHeaders.replyTo) || undefined;
    // A redelivery may have been answered already: replay the stored answer. A first delivery goes
    // to its mailbox at once (no round trip first), so requests keep their order per partition.
    const stored = deliveryCount > 1 ? await this.env.session.results.find(envelope.request_id) : undefined;
    if (stored !== undefined) return this.finish(message, replyTo, stored);
    if (this.expired(envelope) || this.env.localMessages.get(envelope.request_id) === ABANDONED) {
      this.env.localMessages.delete(envelope.request_id);
      message.term(); // its caller has given up: never run it (distributed.md §5.4); no reason, as above
      return;
    }
    const answer = await this.run(envelope, replyTo, message);
    if (answer === undefined || this.stopped) return;
    if (!fresh()) return void message.nak(); // fenced: this process may have lost the partition
    await this.finish(message, replyTo, await this.env.session.results.store(answer));
  }

  /** Runs the request through the engine; `undefined` when this process stopped meanwhile. */
  private async run(envelope: RequestEnvelope, replyTo: string | undefined, message: JsMsg): Promise<ResponseEnvelope | undefined> {
    const requestId = envelope.request_id;
    if (replyTo !== undefined) this.replying.set(requestId, { replyTo, from: envelope.to });
    const heartbeat = setInterval(() => message.working(), Math.floor(this.env.ackWaitMs / 3));
    const cancel = new AbortController();
    this.cancels.set(requestId, cancel);
    try {
      let value: unknown;
      try {
        value = await this.env.engine.sendMessage(this.messageOf(envelope), AgentId.fromString(envelope.to), {
          messageId: requestId,
          signal: cancel.signal,
          ...(envelope.from === undefined ? {} : { sender: AgentId.fromString(envelope.from) }),
          ...this.timeLimit(envelope),
        });
      } catch (error) {
        if (this.stopped) return undefined;
        return this.failed(envelope, replyTo, error);
      }
      return this.completed(envelope, replyTo, value);
    } finally {
      clearInterval(heartbeat);
      this.replying.delete(requestId);
      this.cancels.delete(requestId);
    }
  }

  /** True when the caller's deadline (wall-clock, on this runtime's clock) has passed. */
  private expired(envelope: RequestEnvelope): boolean {
    const left = this.timeLeft(envelope);
    return left !== undefined && left <= 0;
  }

  /**
   * The delivery's time limit: what is left until the caller's deadline, else its `timeout_ms`. For a
   * caller in another process, plus {@link REMOTE_DEADLINE_GRACE_MS}: its own timer (and its cancel)
   * ends the request, so it fails with the limit it set; this one only stops a handler whose cancel was lost.
   */
  private timeLimit(envelope: RequestEnvelope): { timeout?: number } {
    const left = this.timeLeft(envelope) ?? envelope.metadata.timeout_ms;
    if (left === undefined) return {};
    return { timeout: this.env.awaits(envelope.request_id) ? left : left + REMOTE_DEADLINE_GRACE_MS };
  }

  private timeLeft(envelope: RequestEnvelope): number | undefined {
    const deadline = envelope.metadata.deadline;
    if (deadline === undefined) return undefined;
    const clock = this.env.engine.clock;
    return deadline - wallTimeOf(clock, clock.now());
  }

  /** The request's message: the sender's own object when it was sent by this process, else decoded from the envelope. */
  private messageOf(envelope: RequestEnvelope): unknown {
    const local = this.env.localMessages;
    if (!local.has(envelope.request_id)) return this.env.codec.fromEnvelope(envelope);
    const message = local.get(envelope.request_id);
    local.delete(envelope.request_id);
    return message;
  }

  private completed(envelope: RequestEnvelope, replyTo: string | undefined, value: unknown): ResponseEnvelope {
    this.keepLocal(envelope, replyTo, { ok: true, outcome: value }); // a caller in this process gets the value even if it has no wire form
    try {
      return this.env.codec.toEnvelope(value, { type: 'response', from: envelope.to, to: envelope.from, requestId: envelope.request_id });
    } catch (error) {
      // the answer has no wire form: callers elsewhere (and a replay) learn why
      return this.env.codec.toFailureEnvelope(error, { type: 'response', from: envelope.to, to: envelope.from, requestId: envelope.request_id });
    }
  }

  private failed(envelope: RequestEnvelope, replyTo: string | undefined, error: unknown): ResponseEnvelope {
    this.keepLocal(envelope, replyTo, { ok: false, outcome: error });
    return this.env.codec.toFailureEnvelope(error, { type: 'response', from: envelope.to, to: envelope.from, requestId: envelope.request_id });
  }

  /** A caller in this process gets the outcome itself (the same object, as in-process), the wire carries its copy for everyone else. */
  private keepLocal(envelope: RequestEnvelope, replyTo: string | undefined, outcome: LocalOutcome): void {
    if (replyTo === this.env.session.inbox.subject && this.env.awaits(envelope.request_id)) this.env.localOutcomes.set(envelope.request_id, outcome);
  }

  private async finish(message: JsMsg, replyTo: string | undefined, answer: ResponseEnvelope): Promise<void> {
    if (replyTo !== undefined) publishReply(this.env.session.connection, replyTo, answer, { worker: this.env.workerId });
    await message.ackAck();
  }

  /** The engine's `received` / `processing` acknowledgment of a request being served, relayed to its caller. */
  private acknowledge(ack: AckEvent): void {
    if (ack.level !== 'received' && ack.level !== 'processing') return;
    const target = this.replying.get(ack.messageId);
    if (target === undefined) return;
    publishReply(this.env.session.connection, target.replyTo, { v: 1, type: 'status', status: ack.level, from: target.from, request_id: ack.messageId, metadata: {} }, { worker: this.env.workerId });
  }
}
