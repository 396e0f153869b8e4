import { randomUUID } from 'node:crypto';
import type { AgentId } from '../core/AgentId.js';
import { classifyFailure } from '../core/classifyFailure.js';
import type { LifecycleSubject, RequestLifecycle } from '../core/RequestLifecycle.js';
import type { SendOptions } from '../core/SendOptions.js';
import { RuntimeStoppedError } from '../errors/RuntimeStoppedError.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import { UndeliverableError } from '../errors/UndeliverableError.js';
import type { RequestEnvelope } from '../protocol/Envelope.js';
import type { MessageCodec } from '../protocol/MessageCodec.js';
import { cancelledBeforeSent, cancelledByCaller } from '../runtime/cancellations.js';
import { PendingWork } from '../runtime/PendingWork.js';
import type { Clock } from '../util/Clock.js';
import { DeadlineScheduler, type DeadlineEntry } from '../util/DeadlineScheduler.js';
import { wallTimeOf } from '../util/wallTimeOf.js';
import { fromWireError } from './fromWireError.js';
import type { NatsSession } from './NatsSession.js';
import { publishRequest } from './publishRequest.js';
import type { ReplyEnvelope } from './replyLevel.js';
import { requestCancels } from './requestCancels.js';
import { ABANDONED, type LocalOutcome } from './RequestServer.js';

/** @internal What a {@link RequestCaller} works with. */
export interface RequestCallerEnvironment {
  readonly codec: MessageCodec;
  readonly clock: Clock;
  readonly workerId: string;
  readonly partitions: number;
  /** The caller's side of the request lifecycle (acks, records, `requestEnd`) for requests served by other processes. */
  readonly lifecycle: RequestLifecycle;
  /** Outcomes of requests this process served for itself (see `RequestServer`). */
  readonly localOutcomes: Map<string, LocalOutcome>;
  /** Messages of requests to types this process hosts, by request id, for its own `RequestServer`. */
  readonly localMessages: Map<string, unknown>;
  /** The session once connected (rejects when connecting failed). */
  session(): Promise<NatsSession>;
  /** Aborts the request with `reason` if this very process serves it (at once, as in-process); false when it does not. */
  cancelServed(requestId: string, reason: unknown): boolean;
  /** True when this very process is serving the request (its engine has it). */
  serving(requestId: string): boolean;
  /** True when this process hosts agent type `type` (its own engine then reports the request's lifecycle). */
  hosts(type: string): boolean;
}

/** One request waiting for its answer. */
interface PendingCall extends LifecycleSubject, DeadlineEntry {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** The caller's time limit, in ms, while its deadline is an entry in the clock's scheduler. */
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
}

/**
 * @internal The caller's side of a request across processes: encodes it, expects its replies in
 * the process's inbox, publishes it into the request stream (resolving nothing until the answer),
 * enforces the caller's time limit and signal on the runtime's clock, and settles the caller's
 * promise with the answer — the handler's value or its typed error (see {@link fromWireError}).
 * Requests served by this very process are reported by its engine; for the others this side
 * turns the replies' acknowledgments into the runtime's `ack` events and lifecycle records.
 */
export class RequestCaller {
  private readonly pending = new Map<string, PendingCall>();
  /** Requests in flight, for `stopWhenIdle`. */
  readonly work = new PendingWork();

  /** The clock's one scheduler: a request's deadline is an entry there, as in-process. */
  private readonly deadlines: DeadlineScheduler;

  constructor(private readonly env: RequestCallerEnvironment) {
    this.deadlines = DeadlineScheduler.for(env.clock);
  }

  /** Sends `message` to `recipient` and resolves with the answer. */
  send(message: unknown, recipient: AgentId, options: SendOptions | undefined): Promise<unknown> {
    const messageId = options?.messageId ?? randomUUID();
    const timeout = options?.timeout as number | undefined;
    const call = this.call(messageId, message, recipient, options);
    const promise = new Promise<unknown>((resolve, reject) => Object.assign(call, { resolve, reject }));
    if (options?.signal?.aborted === true) {
      this.refuse(call, cancelledBeforeSent(messageId, recipient, options.signal.reason));
      return promise;
    }
    let envelope: RequestEnvelope;
    try {
      const clock = this.env.clock;
      const metadata = timeout === undefined ? {} : { timeout_ms: Math.ceil(timeout), deadline: Math.floor(wallTimeOf(clock, clock.now() + timeout)) };
      envelope = this.env.codec.toEnvelope(message, { type: 'request', to: recipient, from: call.sender, requestId: messageId, metadata });
    } catch (error) {
      this.refuse(call, error);
      return promise;
    }
    this.pending.set(messageId, call);
    this.work.add();
    if (timeout !== undefined) {
      const now = this.env.clock.now();
      call.timeoutMs = timeout;
      this.deadlines.add(call, now + timeout, now);
    }
    this.listenForCancel(call, options?.signal);
    void this.publish(call, envelope);
    return promise;
  }

  /**
   * True while a request this process sent to a type it hosts is on its way to its own engine
   * (not taken yet) or its answer on its way back (see `NatsAgentRuntime.quiescent`).
   */
  get inTransit(): boolean {
    if (this.env.localOutcomes.size > 0) return true;
    for (const call of this.pending.values()) {
      if (!call.remote && (call.session === undefined || this.env.localMessages.get(call.messageId) === call.message)) return true;
    }
    return false;
  }

  /** True while the caller waits for the answer to `requestId`. */
  awaits(requestId: string): boolean {
    return this.pending.has(requestId);
  }

  /** Ends every request still waiting: the runtime stopped. */
  stop(): void {
    for (const call of [...this.pending.values()]) {
      this.settle(call, false, new RuntimeStoppedError('The runtime stopped before the request was answered.', { messageId: call.messageId, agentId: call.recipient }));
    }
  }

  private call(messageId: string, message: unknown, recipient: AgentId, options: SendOptions | undefined): PendingCall {
    const call: PendingCall = {
      messageId, message, recipient, sender: options?.sender, topicId: undefined, isRpc: true, attempt: 1,
      parentMessageId: undefined, resendable: false, startedAt: 0,
      resolve: () => undefined, reject: () => undefined, heapIndex: -1, timeoutMs: 0, onDeadline: () => this.expire(call), unexpect: undefined,
      remote: !this.env.hosts(recipient.type), done: false, signal: undefined, onAbort: undefined, session: undefined, reported: false,
    };
    return call;
  }

  private async publish(call: PendingCall, envelope: RequestEnvelope): Promise<void> {
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
    call.session = session;
    if (!call.remote) this.env.localMessages.set(call.messageId, call.message);
    call.unexpect = session.inbox.expect(call.messageId, (reply, worker) => this.receive(call, reply, worker));
    if (call.remote) this.env.lifecycle.sent(call);
    try {
      const accepted = await publishRequest(session.client, envelope, { replyTo: session.inbox.subject, partitions: this.env.partitions });
      if (accepted.duplicate && !call.done) this.awaitStored(call, session);
    } catch (error) {
      if (call.remote && !call.done) this.env.lifecycle.failed(call, classifyFailure(error), error);
      this.settle(call, false, error);
    }
  }

  /**
   * The broker already had this request id (a send again with the same `messageId`, e.g. by a caller
   * that restarted): it keeps the first copy, whose replies go to the inbox that published it. So
   * the answer is also awaited in the result store, where the worker puts it before acking.
   */
  private awaitStored(call: PendingCall, session: NatsSession): void {
    if (this.env.localMessages.get(call.messageId) === call.message) this.env.localMessages.delete(call.messageId); // this copy is never pulled
    const levels = new Set<string>();
    const watching = new AbortController();
    const unexpect = session.inbox.expect(call.messageId, (reply, worker) => {
      levels.add(reply.status);
      this.receive(call, reply, worker);
    });
    call.unexpect = () => {
      unexpect();
      watching.abort();
    };
    session.results.waitFor(call.messageId, watching.signal).then(
      (answer) => {
        if (answer === undefined || call.done) return;
        if (!call.remote) {
          call.remote = true;
          this.env.lifecycle.sent(call);
        }
        if (!levels.has('received')) this.env.lifecycle.received(call); // it happened, out of this caller's sight
        if (!levels.has('processing')) this.env.lifecycle.processing(call);
        this.receive(call, answer, undefined);
      },
      () => undefined, // stopped waiting: the call settled, or the connection closed (the runtime stops it)
    );
  }

  private receive(call: PendingCall, reply: ReplyEnvelope, worker: string | undefined): void {
    const own = worker === this.env.workerId;
    const lifecycle = this.env.lifecycle;
    if (!own && !call.remote) {
      call.remote = true; // another process serves a type this one hosts too
      lifecycle.sent(call);
    }
    if (reply.type === 'status') {
      if (reply.status === 'received' && call.remote) lifecycle.received(call);
      else if (reply.status === 'processing' && call.remote) lifecycle.processing(call);
      return;
    }
    const local = own ? this.env.localOutcomes.get(call.messageId) : undefined;
    this.env.localOutcomes.delete(call.messageId);
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

  /** The caller's limit passed before the answer arrived. */
  private expire(call: PendingCall): void {
    const timeout = call.timeoutMs;
    // Served here, the engine's own deadline (the same instant, on the same clock) ends the request
    // and answers with its TimeoutError, the one its records hold.
    if (this.env.serving(call.messageId)) return;
    const error = new TimeoutError(timeout, timeout, { messageId: call.messageId, agentId: call.recipient });
    this.cancelRemote(call); // the serving process stops the handler (its deadline would too)
    if (call.remote) this.env.lifecycle.failed(call, 'timeout', error);
    this.settle(call, false, error);
  }

  private listenForCancel(call: PendingCall, signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    call.signal = signal;
    call.onAbort = () => {
      // Served here, the engine's delivery is cancelled as in-process (its CancelledError, the one its records hold, is the answer).
      if (this.env.cancelServed(call.messageId, signal.reason)) return;
      const error = cancelledByCaller(call.messageId, call.recipient, signal.reason);
      this.cancelRemote(call);
      if (call.remote) this.env.lifecycle.failed(call, 'cancelled', error);
      this.settle(call, false, error);
    };
    signal.addEventListener('abort', call.onAbort, { once: true });
  }

  /**
   * The caller gave up a request to a type this process hosts (time limit, signal, stop, a failed
   * publish). If its engine never took it, nobody has reported it: the request is refused here, and
   * a tombstone tells this process's server to drop it unrun should it still be pulled.
   */
  private abandonLocal(call: PendingCall, error: unknown): void {
    const local = this.env.localMessages;
    if (call.reported || (call.session !== undefined && !local.has(call.messageId))) return; // reported, or the engine took it and reports its end
    this.env.lifecycle.refused(call, classifyFailure(error), error);
    if (call.session !== undefined) local.set(call.messageId, ABANDONED);
  }

  private unknownType(call: PendingCall): UndeliverableError {
    return new UndeliverableError(
      `No process of the cluster hosts agent type "${call.recipient.type}": register it in a worker (e.g. MyAgent.register(runtime, '${call.recipient.type}', …)) before sending to it, or check the type name.`,
      { messageId: call.messageId, agentId: call.recipient },
    );
  }

  /** Asks the process serving the request (another one: this one's engine has its own deadline and signal) to abort it, over `agent.ctl.cancel`. */
  private cancelRemote(call: PendingCall): void {
    if (call.session !== undefined) requestCancels.publish(call.session.connection, call.messageId);
  }

  /** A request that never left this process. */
  private refuse(call: PendingCall, error: unknown): void {
    this.env.lifecycle.refused(call, classifyFailure(error), error);
    call.done = true;
    call.reject(error);
  }

  private settle(call: PendingCall, ok: boolean, outcome: unknown): void {
    if (call.done) return;
    call.done = true;
    this.pending.delete(call.messageId);
    this.deadlines.remove(call);
    if (call.onAbort !== undefined) call.signal?.removeEventListener('abort', call.onAbort);
    call.unexpect?.();
    if (!ok && !call.remote) this.abandonLocal(call, outcome);
    if (call.remote) this.env.lifecycle.ended(call, ok, ok ? undefined : outcome, ok ? undefined : classifyFailure(outcome));
    this.work.done();
    if (ok) call.resolve(outcome);
    else call.reject(outcome);
  }
}
