import type { AgentId } from '../core/AgentId.js';
import { classifyFailure } from '../core/classifyFailure.js';
import type { LifecycleSubject, RequestLifecycle } from '../core/RequestLifecycle.js';
import type { SendOptions } from '../core/SendOptions.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { RuntimeStoppedError } from '../errors/RuntimeStoppedError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import { UnavailableError } from '../errors/UnavailableError.js';
import { UndeliverableError } from '../errors/UndeliverableError.js';
import type { RequestEnvelope, StatusEnvelope } from '../protocol/Envelope.js';
import type { EncodedEnvelope } from '../protocol/encodeEnvelope.js';
import type { StatusReport } from '../core/MessageContext.js';
import type { EnvelopeMetadata } from '../protocol/EnvelopeMetadata.js';
import type { MessageCodec } from '../protocol/MessageCodec.js';
import { cancelledBeforeSent, cancelledByCaller, cancelledWithParent } from '../runtime/cancellations.js';
import type { ChildRequest, Delivery } from '../runtime/Delivery.js';
import type { SendTransport, TransportAttempt, TransportedRun } from '../runtime/SendTransport.js';
import type { Msg } from '@nats-io/transport-node';
import type { Clock } from '../util/Clock.js';
import { DeadlineScheduler, type DeadlineEntry } from '../util/DeadlineScheduler.js';
import { envelopeLimits } from '../protocol/envelopeLimits.js';
import { wallTimeOf } from '../util/wallTimeOf.js';
import { attemptKey } from './attemptKey.js';
import { newRequestId } from './newRequestId.js';
import { fromWireError } from './fromWireError.js';
import type { NatsSession } from './NatsSession.js';
import { publishEncodedRequest, type RequestAccepted } from './publishRequest.js';
import type { RetryPolicy } from '../policies/RetryPolicy.js';
import { brokerRetry } from './brokerRetry.js';
import type { RuntimeLog } from '../runtime/RuntimeLog.js';
import type { ReplyEnvelope } from './replyLevel.js';
import { workerOf } from './workerOf.js';
import { requestCancels } from './requestCancels.js';
import { ABANDONED, type LocalOutcome } from './RequestServer.js';

/** @internal What a {@link RequestCaller} works with. */
export interface RequestCallerEnvironment {
  readonly codec: MessageCodec;
  readonly clock: Clock;
  readonly workerId: string;
  /** The subject of this process's reply inbox (every session's), named in each request's `metadata.reply_to`. */
  readonly replyTo: string;
  readonly partitions: number;
  /** How long a request another process should serve may stay accepted without being picked up, in ms (then `UnavailableError`); undefined: no limit. */
  readonly pickupTimeoutMs: number | undefined;
  /** How long to wait for the broker's PubAck before publishing the request again (same `Nats-Msg-Id`), in ms. */
  readonly publishTimeoutMs: number;
  /** Where republishing is logged. */
  readonly log: RuntimeLog;
  /** The caller's side of the request lifecycle (acks, records, `requestEnd`) for requests served by other processes. */
  readonly lifecycle: RequestLifecycle;
  /** Outcomes of requests this process served for itself (see `RequestServer`), by {@link attemptKey}. */
  readonly localOutcomes: Map<string, LocalOutcome>;
  /** Messages of requests to types this process hosts, by {@link attemptKey}, for its own `RequestServer`. */
  readonly localMessages: Map<string, unknown>;
  /** The session once connected (rejects when connecting failed). */
  session(): Promise<NatsSession>;
  /** The session when connected already, else `undefined` (then {@link session} waits for it). */
  sessionNow(): NatsSession | undefined;
  /** Ends the attempt `key` with `reason` if this very process serves it (at once, as in-process); false when it does not. */
  cancelServed(key: string, reason: unknown): boolean;
  /** True when this very process is serving the attempt `key` (its engine has it). */
  serving(key: string): boolean;
  /** True when this process hosts agent type `type` (its own engine then reports the request's lifecycle). */
  hosts(type: string): boolean;
  /** The call chain (request ids) a request this process serves arrived with. */
  chainOf(requestId: string): readonly string[] | undefined;
  /** Counts a request in flight as work in hand for the engine's `stopWhenIdle()` (or no longer). */
  holdIdle(on: boolean): void;
  /** Ties a request issued by a handler to that handler's turn (cancelled when it ends), or unties it. */
  linkChild(parent: Delivery, child: ChildRequest, on: boolean): void;
}

/** One request (or one attempt of a caller-side run) waiting for its answer. */
interface PendingCall extends LifecycleSubject, DeadlineEntry, ChildRequest, TransportAttempt {
  /** Its wire identity ({@link attemptKey}). */
  readonly key: string;
  /** Which send of the request it is (`metadata.attempt` on the wire): retries and fallback recipients count alike. */
  readonly send: number;
  /** The caller-side run it is an attempt of: the run ends the request. */
  readonly run: TransportedRun | undefined;
  /** The turn whose handler sent it, while linked to it. */
  parent: Delivery | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** The time limit its local deadline enforces, in ms. */
  timeoutMs: number;
  unexpect: (() => void) | undefined;
  /** Another process serves it: this side reports its lifecycle (from `sent` on). */
  remote: boolean;
  done: boolean;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** The session it was published on (to send a cancel on). */
  session: NatsSession | undefined;
  /** Its lifecycle has ended already (it was refused). */
  reported: boolean;
  /** The serving process acknowledged it (received or processing). */
  acked: boolean;
  /** Its `received` acknowledgment was reported. */
  received: boolean;
  /** Its `accepted` acknowledgment was reported (from the PubAck, or implied by a first reply that overtook it). */
  stored: boolean;
  /** The pickup limit's entry in the clock's deadline scheduler, while it runs. */
  pickup: DeadlineEntry | undefined;
}

/**
 * @internal The caller's side of a request across processes — the engine's {@link SendTransport}:
 * encodes the request (with its deadline, attempt and call chain), expects its replies in the
 * process's inbox, publishes it into the request stream, enforces the caller's time limit and
 * signal on the runtime's clock, and settles the caller with the answer — the handler's value or
 * its typed error (see {@link fromWireError}). A request with caller-side policies is the engine's
 * run (retry, breaker, timeout, fallback), each attempt published here under its own
 * {@link attemptKey}. Requests served by this very process are reported by its engine; for the
 * others this side turns the replies' acknowledgments into the runtime's `ack` events and records.
 */
export class RequestCaller implements SendTransport {
  private readonly pending = new Map<string, PendingCall>();
  /** The clock's one scheduler: a request's deadline is an entry there, as in-process. */
  private readonly deadlines: DeadlineScheduler;
  /**
   * Transport retries (distributed.md §5.5, layer 1): a publish whose PubAck did not come (timeout,
   * connection trouble) is published again with the same `Nats-Msg-Id`; the broker stores it once.
   */
  private readonly republish: RetryPolicy;

  constructor(private readonly env: RequestCallerEnvironment) {
    this.deadlines = DeadlineScheduler.for(env.clock);
    this.republish = brokerRetry(env.clock);
  }

  /** A request id unique across processes (a UUIDv7). */
  newId(): string {
    return newRequestId();
  }

  /** Sends `message` to `recipient` (from `parent`'s handler, if any) and resolves with the answer. */
  send(message: unknown, recipient: AgentId, options: SendOptions | undefined, parent: Delivery | undefined): Promise<unknown> {
    const messageId = options?.messageId ?? this.newId();
    const call = this.call(messageId, 1, message, recipient, options?.sender ?? parent?.recipient, parent, undefined);
    const promise = new Promise<unknown>((resolve, reject) => Object.assign(call, { resolve, reject }));
    const signal = options?.signal;
    if (signal?.aborted === true || parent?.aborted === true) {
      this.refuse(call, parent?.aborted === true && signal?.aborted !== true ? cancelledWithParent(messageId, recipient, parent.extras?.abortReason) : cancelledBeforeSent(messageId, recipient, signal?.reason));
      return promise;
    }
    const timeout = options?.timeout as number | undefined;
    const now = this.env.clock.now();
    const deadline = earliest(timeout === undefined ? undefined : now + timeout, parent?.deadline);
    this.begin(call, deadline, deadline === undefined ? undefined : deadline - now, signal);
    return promise;
  }

  /** Publishes the current attempt of `run` (its id, attempt number, deadline, signal and parent). */
  attempt(run: TransportedRun): TransportAttempt {
    const parent = run.parent !== undefined && !run.parent.aborted ? run.parent : undefined;
    const call = this.call(run.messageId, run.nextSend(), run.message, run.recipient, run.sender, parent, run);
    const inherited = parent?.deadline;
    const limit = run.deadline;
    // the run enforces its own limit (and abandons this attempt); a call chain's earlier deadline is this attempt's to enforce
    const byChain = inherited !== undefined && (limit === undefined || inherited < limit);
    this.begin(call, earliest(limit, inherited), byChain ? inherited - this.env.clock.now() : undefined, run.callerSignal);
    return call;
  }

  /**
   * True while a request this process sent to a type it hosts is on its way to its own engine
   * (not taken yet) or its answer on its way back (see `NatsAgentRuntime.quiescent`).
   */
  get inTransit(): boolean {
    if (this.env.localOutcomes.size > 0) return true;
    for (const call of this.pending.values()) {
      if (!call.remote && (call.session === undefined || this.env.localMessages.get(call.key) === call.message)) return true;
    }
    return false;
  }

  /** True while the caller waits for the answer to attempt `key`. */
  awaits(key: string): boolean {
    return this.pending.has(key);
  }

  /** The caller-side run whose attempt `key` this process waits for, if any (its server then serves it as that run's attempt). */
  runOf(key: string): TransportedRun | undefined {
    return this.pending.get(key)?.run;
  }

  /** Ends every request still waiting: the runtime stopped. */
  stop(): void {
    for (const call of [...this.pending.values()]) {
      this.settle(call, false, new RuntimeStoppedError('The runtime stopped before the request was answered.', { messageId: call.messageId, agentId: call.recipient }));
    }
  }

  /** A call; `send` numbers the request's sends (retries and fallback recipients alike) for its wire identity. */
  private call(messageId: string, send: number, message: unknown, recipient: AgentId, sender: AgentId | undefined, parent: Delivery | undefined, run: TransportedRun | undefined): PendingCall {
    const call: PendingCall = {
      key: attemptKey(messageId, send), send, run, parent,
      messageId, message, recipient, sender, topicId: undefined, isRpc: true, attempt: run?.attempt ?? 1,
      parentMessageId: parent?.messageId, resendable: run !== undefined, startedAt: 0,
      resolve: () => undefined, reject: () => undefined, heapIndex: -1, timeoutMs: 0, onDeadline: () => this.expire(call), unexpect: undefined,
      remote: !this.env.hosts(recipient.type), done: false, signal: undefined, onAbort: undefined, session: undefined, reported: false, acked: false, received: false, stored: false, pickup: undefined,
      abandon: (reason) => this.abandon(call, reason),
      cancelByParent: (reason) => this.cancelByParent(call, reason),
      parentEnded: () => (call.parent = undefined),
    };
    return call;
  }

  /**
   * Encodes the call with its wall-clock `deadline` (clock time, if any) and sends it; a local
   * deadline after `timeoutMs` when this side enforces one, and the caller's `signal`.
   */
  private begin(call: PendingCall, deadline: number | undefined, timeoutMs: number | undefined, signal: AbortSignal | undefined): void {
    let encoded: EncodedEnvelope<RequestEnvelope>;
    try {
      if (this.pending.has(call.key)) throw this.inFlightAlready(call);
      encoded = this.env.codec.encodeOwn(call.message, { type: 'request', to: call.recipient, from: call.sender, requestId: call.messageId, metadata: this.metadata(call, deadline) });
    } catch (error) {
      if (call.run !== undefined) throw error; // the run reports an attempt that cannot be sent
      this.refuse(call, error);
      return;
    }
    this.pending.set(call.key, call);
    this.env.holdIdle(true);
    if (call.parent !== undefined) this.env.linkChild(call.parent, call, true);
    if (timeoutMs !== undefined) {
      const now = this.env.clock.now();
      call.timeoutMs = timeoutMs;
      this.deadlines.add(call, now + timeoutMs, now);
    }
    this.listenForCancel(call, signal);
    this.publish(call, encoded);
  }

  private metadata(call: PendingCall, deadline: number | undefined): EnvelopeMetadata {
    const metadata: { -readonly [K in keyof EnvelopeMetadata]: EnvelopeMetadata[K] } = {};
    const clock = this.env.clock;
    if (deadline !== undefined) {
      metadata.timeout_ms = Math.max(0, Math.ceil(deadline - clock.now()));
      metadata.deadline = Math.floor(wallTimeOf(clock, deadline));
    }
    if (call.run !== undefined) metadata.attempt = call.send;
    metadata.reply_to = this.env.replyTo; // the worker reads it from the body (decoding the headers too costs a served request ≈3 %)
    const parent = call.parent;
    if (parent !== undefined) metadata.call_chain = [...(this.env.chainOf(parent.messageId) ?? []), parent.messageId].slice(-envelopeLimits.callChain);
    return metadata;
  }

  /** Publishes the call: at once when connected and its recipient's type is known (the usual case), else once they are. */
  private publish(call: PendingCall, encoded: EncodedEnvelope<RequestEnvelope>): void {
    const session = this.env.sessionNow();
    if (session !== undefined && (!call.remote || session.types.knowsAlready(call.recipient.type))) void this.publishIn(session, call, encoded);
    else void this.publishOnceKnown(call, encoded);
  }

  /** Publishes the call once connected, unless no process ever announced its recipient's type (then it is refused). */
  private async publishOnceKnown(call: PendingCall, encoded: EncodedEnvelope<RequestEnvelope>): Promise<void> {
    let session: NatsSession;
    try {
      session = await this.env.session();
      if (call.remote && !call.done && !(await session.types.knows(call.recipient.type))) throw this.unknownType(call);
    } catch (error) {
      if (call.done) return;
      if (call.remote) this.env.lifecycle.refused(call, classifyFailure(error), error);
      call.remote = false;
      call.reported = true; // refused: its lifecycle has ended
      return this.settle(call, false, error);
    }
    if (call.done) return;
    return this.publishIn(session, call, encoded);
  }

  private async publishIn(session: NatsSession, call: PendingCall, encoded: EncodedEnvelope<RequestEnvelope>): Promise<void> {
    call.session = session;
    if (!call.remote) this.env.localMessages.set(call.key, call.message);
    call.unexpect = session.inbox.expectReplies(call.key, (reply, message) => this.receive(call, reply, message));
    if (call.remote) this.env.lifecycle.sent(call);
    let accepted: RequestAccepted;
    const options = { replyTo: session.inbox.subject, partitions: this.env.partitions, timeoutMs: this.env.publishTimeoutMs };
    try {
      accepted = await this.republish.execute(({ attempt }) => {
        if (call.done) throw cancelledBeforeSent(call.messageId, call.recipient, undefined); // given up meanwhile: never retried
        if (attempt > 1) this.env.log.warn(`publishing request ${call.key} to "${String(call.recipient)}" again (try ${attempt}): the broker did not acknowledge it.`);
        return publishEncodedRequest(session.publisher, encoded, options);
      });
    } catch (error) {
      if (call.remote && !call.done) this.env.lifecycle.failed(call, classifyFailure(error), error);
      return this.settle(call, false, error);
    }
    this.accepted(call, accepted);
    if (accepted.duplicate && !call.done) this.awaitStored(call, session);
  }

  /**
   * The broker stored the request (its PubAck): the `accepted` acknowledgment of a request another
   * process serves — unless its acknowledgments overtook the PubAck — and the pickup limit starts.
   */
  private accepted(call: PendingCall, accepted: RequestAccepted): void {
    if (call.done || !call.remote || call.stored) return; // stored: reported with the first reply, which overtook the PubAck
    call.stored = true;
    this.env.lifecycle.accepted(call, `stream ${accepted.stream} #${accepted.seq}${accepted.duplicate ? ', duplicate' : ''}`);
    const limit = this.env.pickupTimeoutMs;
    if (limit === undefined) return;
    const pickup: DeadlineEntry = { heapIndex: -1, onDeadline: () => this.notPickedUp(call, limit) };
    const now = this.env.clock.now();
    this.deadlines.add(pickup, now + limit, now);
    call.pickup = pickup;
  }

  /** Accepted, and no process picked the request up within the pickup limit: the caller gives it up (a breaker counts it). */
  private notPickedUp(call: PendingCall, limit: number): void {
    call.pickup = undefined;
    const message =
      `Request ${call.messageId} to "${String(call.recipient)}" was stored but no process picked it up within ${limit} ms: ` +
      `no worker hosting "${call.recipient.type}" is running, or they are backlogged. Start or add workers, or raise pickupTimeoutMs.`;
    this.giveUp(call, new UnavailableError(message, { messageId: call.messageId, agentId: call.recipient }));
  }

  /**
   * The broker already had this request id (a send again with the same `messageId`, e.g. by a caller
   * that restarted): it keeps the first copy, whose replies go to the inbox that published it. So
   * the answer is also awaited in the result store, where the worker puts it before acking.
   */
  private awaitStored(call: PendingCall, session: NatsSession): void {
    if (this.env.localMessages.get(call.key) === call.message) this.env.localMessages.delete(call.key); // this copy is never pulled
    const levels = new Set<string>();
    call.unexpect = session.inbox.expectReplies(call.key, (reply, message) => {
      levels.add(reply.status);
      this.receive(call, reply, message);
    });
    this.watchStored(call, session, levels);
  }

  /**
   * The connection broke and is back: replies published meanwhile are lost (core NATS keeps none), so
   * each call in flight also waits for its answer in the result store, where the worker puts it
   * before it acks the request; the first of the two settles the call.
   */
  reconnected(): void {
    for (const call of this.pending.values()) {
      if (call.session !== undefined && !call.done) this.watchStored(call, call.session, new Set(call.received ? ['received', 'processing'] : []));
    }
  }

  /** Settles `call` with its answer once it is stored (also), reporting the levels not in `levels` that happened out of this caller's sight. */
  private watchStored(call: PendingCall, session: NatsSession, levels: ReadonlySet<string>): void {
    const watching = new AbortController();
    const unexpect = call.unexpect;
    call.unexpect = () => {
      unexpect?.();
      watching.abort();
    };
    session.results.waitFor(call.key, watching.signal).then(
      (answer) => {
        if (answer === undefined || call.done) return;
        if (this.env.localOutcomes.has(call.key)) return this.receive(call, answer, this.env.workerId); // served here: its engine reported it
        if (!call.remote) {
          call.remote = true;
          this.env.lifecycle.sent(call);
        }
        if (!call.received) this.reportEarlyLevels(call); // they happened, out of this caller's sight
        else if (!levels.has('processing')) this.env.lifecycle.processing(call);
        this.receive(call, answer, undefined);
      },
      () => undefined, // stopped waiting: the call settled, or the connection closed (the runtime stops it)
    );
  }

  /**
   * Takes a reply to `call`; `sender` is the message it came in (whose `Agent-Worker` header is read
   * only when it matters: decoding the headers is a good part of a reply's cost), or the worker's id.
   */
  private receive(call: PendingCall, reply: ReplyEnvelope, sender: Msg | string | undefined): void {
    const lifecycle = this.env.lifecycle;
    if (!call.remote && !this.own(sender)) {
      call.remote = true; // another process serves a type this one hosts too
      lifecycle.sent(call);
    }
    if (!call.acked) this.acknowledged(call, sender);
    if (reply.type === 'status') {
      if (!call.remote) return;
      if (reply.status === 'progress') return lifecycle.status(call, progressOf(reply));
      if (!call.received) {
        call.received = true; // a worker whose handler starts at once says only `processing`
        lifecycle.received(call);
      }
      if (reply.status === 'processing') lifecycle.processing(call);
      return;
    }
    // an answer with no acknowledgment before it: its worker took it and ran its handler in one turn
    // (the answer says both levels, see PendingAcks), or replays an answer stored by an earlier delivery
    if (call.remote && !call.received) this.reportEarlyLevels(call);
    const local = this.env.localOutcomes.has(call.key) && this.own(sender) ? this.env.localOutcomes.get(call.key) : undefined;
    this.env.localOutcomes.delete(call.key);
    // served here: the outcome itself (a value without wire form included); else the wire's copy
    if (local !== undefined) return this.settle(call, local.ok, local.outcome);
    if (reply.status === 'completed') {
      const value = this.env.codec.fromEnvelope(reply);
      if (call.remote) lifecycle.completed(call, value);
      return this.settle(call, true, value);
    }
    const error = fromWireError(reply.error, { messageId: call.messageId, agentId: call.recipient });
    if (call.remote) lifecycle.failed(call, classifyFailure(error), error);
    this.settle(call, false, error);
  }

  /** True when this process's own worker sent the reply. */
  private own(sender: Msg | string | undefined): boolean {
    return workerOf(sender) === this.env.workerId;
  }

  /** Reports the `received` and `processing` levels of `call` that its answer implies. */
  private reportEarlyLevels(call: PendingCall): void {
    call.received = true;
    this.env.lifecycle.received(call);
    this.env.lifecycle.processing(call);
  }

  /**
   * The serving process acknowledged the call (its first reply): it was picked up — so stored by
   * the broker, whose PubAck this reply overtook if `accepted` was not reported yet.
   */
  private acknowledged(call: PendingCall, sender: Msg | string | undefined): void {
    call.acked = true;
    if (call.remote && !call.stored) {
      call.stored = true;
      this.env.lifecycle.accepted(call, `taken from the stream by ${workerOf(sender) ?? 'a worker'}`);
    }
    if (call.pickup === undefined) return;
    this.deadlines.remove(call.pickup);
    call.pickup = undefined;
  }

  /** The limit this side enforces passed before the answer arrived. */
  private expire(call: PendingCall): void {
    const timeout = call.timeoutMs;
    // Served here, the engine's own deadline (the same instant, on the same clock) ends the request
    // and answers with its TimeoutError, the one its records hold.
    if (this.env.serving(call.key)) return;
    this.giveUp(call, new TimeoutError(timeout, timeout, { messageId: call.messageId, agentId: call.recipient }));
  }

  private listenForCancel(call: PendingCall, signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    call.signal = signal;
    call.onAbort = () => {
      // Served here, the engine's delivery is cancelled as in-process (its CancelledError, the one its records hold, is the answer):
      // a plain request's delivery wraps the signal's reason itself, an attempt's is ended with the error.
      const error = cancelledByCaller(call.messageId, call.recipient, signal.reason);
      if (this.env.cancelServed(call.key, call.run === undefined ? signal.reason : error)) return;
      this.giveUp(call, error);
    };
    signal.addEventListener('abort', call.onAbort, { once: true });
  }

  /** The handler that sent the request ended first: the request ends with it. */
  private cancelByParent(call: PendingCall, reason: unknown): void {
    const error = cancelledWithParent(call.messageId, call.recipient, reason);
    if (!this.env.cancelServed(call.key, error)) this.giveUp(call, error);
  }

  /** This side ends a call another process (or none yet) serves: the serving process stops the handler. */
  private giveUp(call: PendingCall, error: unknown): void {
    if (call.done) return;
    this.cancelRemote(call);
    if (call.remote) this.env.lifecycle.failed(call, classifyFailure(error), error);
    this.settle(call, false, error);
  }

  /** The run gave its attempt up (its limit passed, or it was cancelled): the attempt ends without telling the run. */
  private abandon(call: PendingCall, reason: unknown): void {
    if (call.done) return;
    if (this.env.cancelServed(call.key, reason)) {
      this.finish(call, false, reason); // the engine ends (and reports) the attempt it serves
      return;
    }
    this.cancelRemote(call);
    if (call.remote) this.env.lifecycle.failed(call, classifyFailure(reason), reason);
    this.finish(call, false, reason);
  }

  /**
   * The caller gave up a request to a type this process hosts (time limit, signal, stop, a failed
   * publish). If its engine never took it, nobody has reported it: the request is refused (an
   * attempt: failed) here, and a tombstone tells this process's server to drop it unrun should it
   * still be pulled.
   */
  private abandonLocal(call: PendingCall, error: unknown): void {
    const local = this.env.localMessages;
    if (call.reported || (call.session !== undefined && !local.has(call.key))) return; // reported, or the engine took it and reports its end
    if (call.run === undefined) this.env.lifecycle.refused(call, classifyFailure(error), error);
    else this.env.lifecycle.failed(call, classifyFailure(error), error);
    if (call.session !== undefined) local.set(call.key, ABANDONED);
  }

  /**
   * A second request with the id of one this process still waits for: the broker would store it once
   * (the same `Nats-Msg-Id`) and answer the first, so it is refused rather than left waiting.
   */
  private inFlightAlready(call: PendingCall): ConfigurationError {
    return new ConfigurationError(
      `A request with messageId "${call.messageId}" to "${String(call.recipient)}" is already in flight from this process: the broker keeps one request per id, so a second one would never be answered. ` +
        'Await the first (its promise, or resultOf(messageId)), or give this one its own messageId.',
      { messageId: call.messageId, agentId: call.recipient },
    );
  }

  private unknownType(call: PendingCall): UndeliverableError {
    return new UndeliverableError(
      `No process of the cluster hosts agent type "${call.recipient.type}": register it in a worker (e.g. MyAgent.register(runtime, '${call.recipient.type}', …)) before sending to it, or check the type name.`,
      { messageId: call.messageId, agentId: call.recipient },
    );
  }

  /** Asks the process serving the attempt (another one: this one's engine has its own deadline and signal) to abort it, over `agent.ctl.cancel`. */
  private cancelRemote(call: PendingCall): void {
    if (call.session !== undefined) requestCancels.publish(call.session.connection, call.key);
  }

  /** A request that never left this process. */
  private refuse(call: PendingCall, error: unknown): void {
    this.env.lifecycle.refused(call, classifyFailure(error), error);
    call.done = true;
    call.reject(error);
  }

  /** The call's answer (or failure) reaches its caller: the promise, or the run. */
  private settle(call: PendingCall, ok: boolean, outcome: unknown): void {
    if (call.done) return;
    this.finish(call, ok, outcome);
    const run = call.run;
    if (run === undefined) {
      if (call.remote) this.env.lifecycle.ended(call, ok, ok ? undefined : outcome, ok ? undefined : classifyFailure(outcome));
      if (ok) call.resolve(outcome);
      else call.reject(outcome);
    } else if (run.current === call) {
      run.deliverySettled(ok, outcome);
    }
  }

  /** Lets go of everything the call holds. */
  private finish(call: PendingCall, ok: boolean, outcome: unknown): void {
    call.done = true;
    this.pending.delete(call.key);
    this.deadlines.remove(call);
    if (call.onAbort !== undefined) call.signal?.removeEventListener('abort', call.onAbort);
    call.unexpect?.();
    if (call.pickup !== undefined) this.deadlines.remove(call.pickup);
    if (call.parent !== undefined) this.env.linkChild(call.parent, call, false);
    if (!ok && !call.remote) this.abandonLocal(call, outcome);
    this.env.holdIdle(false);
  }
}

/** The earlier of two optional instants. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined || a <= b ? a : b;
}

/** The handler's status report a `progress` reply carries (`ctx.reportStatus` in the serving process). */
function progressOf(reply: StatusEnvelope): StatusReport {
  const payload = (reply.payload ?? {}) as { detail?: unknown; progress?: unknown };
  return {
    ...(reply.metadata.eta_ms === undefined ? {} : { etaMs: reply.metadata.eta_ms }),
    ...(typeof payload.detail === 'string' ? { detail: payload.detail } : {}),
    ...(typeof payload.progress === 'number' ? { progress: payload.progress } : {}),
  };
}
