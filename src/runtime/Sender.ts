import { AgentId } from '../core/AgentId.js';
import { CallerPolicies } from '../core/CallerPolicies.js';
import { checkSendOptions } from '../core/checkSendOptions.js';
import { classifyFailure } from '../core/classifyFailure.js';
import { Escalation } from '../core/Escalation.js';
import type { LifecycleSubject, RequestLifecycle } from '../core/RequestLifecycle.js';
import { RequestHandle } from '../core/RequestHandle.js';
import type { RequestTracker } from '../core/RequestTracker.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { PublishOptions, SendOptions } from '../core/SendOptions.js';
import type { TopicId } from '../core/TopicId.js';
import type { CancelledError } from '../errors/CancelledError.js';
import { abandonedSend, cancelledBeforeSent } from './cancellations.js';
import { RuntimeStoppedError } from '../errors/RuntimeStoppedError.js';
import { validateMessage } from '../messages/validateMessage.js';
import type { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import { isAbandonment } from '../policies/isAbandonment.js';
import { FallbackPolicy } from '../policies/FallbackPolicy.js';
import type { PolicyContext } from '../policies/Policy.js';
import type { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import type { Clock } from '../util/Clock.js';
import { pendingPromise, takeReject, takeResolve } from '../util/settlers.js';
import type { AgentDirectory } from './AgentDirectory.js';
import { Delivery, type DeliveryHost } from './Delivery.js';
import { SETTLED } from './deliveryStates.js';
import type { Dispatcher } from './Dispatcher.js';
import type { Interventions } from './Interventions.js';
import type { MessageIds } from './MessageIds.js';
import { SendRun, type SendRunHost } from './SendRun.js';
import type { SendTransport, TransportAttempt, TransportedRun } from './SendTransport.js';
import { wallTimeOf } from '../util/wallTimeOf.js';

/** @internal What the sending side needs from the rest of the runtime. */
export interface SenderEnvironment {
  readonly clock: Clock;
  readonly random: () => number;
  readonly events: RuntimeEmitter;
  readonly ids: MessageIds;
  readonly directory: AgentDirectory;
  readonly dispatcher: Dispatcher;
  readonly lifecycle: RequestLifecycle;
  readonly requests: RequestTracker;
  readonly interventions: Interventions;
  readonly deliveryHost: DeliveryHost;
  readonly escalationTopic: TopicId | undefined;
  /** The most recipients whose caller-side policy state is kept (`RuntimeOptions.policyStateCapacity`). */
  readonly policyStateCapacity: number;
  publish(message: unknown, topic: TopicId, options: PublishOptions): Promise<void>;
}

/**
 * @internal The sending side of the runtime: every request (`runtime.sendMessage`,
 * `this.sendMessage`, `ctx.sendMessage`) enters here. A plain request is one delivery; a request
 * with caller-side policies is a {@link SendRun} whose attempts are deliveries. Requests refused
 * before any mailbox (unknown recipient, invalid message) still end in the lifecycle, with their id.
 */
export class Sender implements SendRunHost {
  readonly lifecycle: RequestLifecycle;
  private readonly policies: CallerPolicies;
  private readonly waitingRuns = new Set<SendRun>();
  /** How many times the runtime stopped (a reassignment in progress notices a stop by it). */
  private stops = 0;
  /** Carries every request of this engine's callers to another process, when set (see {@link carryThrough}). */
  private transport: SendTransport | undefined = undefined;

  constructor(private readonly env: SenderEnvironment) {
    this.lifecycle = env.lifecycle;
    this.policies = new CallerPolicies({
      clock: env.clock,
      random: env.random,
      // the `fallback` send option, as a FallbackPolicy like `@fallback`: its context is the request's run
      fallback: new FallbackPolicy<unknown>({ fallback: (error: unknown, ctx: PolicyContext) => (ctx as SendRun).fallBack(error) }),
      capacity: env.policyStateCapacity,
      breakerChanged: (recipient, from, to) => {
        const at = env.clock.now();
        env.events.emit('breaker', { breaker: String(recipient), side: 'caller', agentType: recipient.type, agentId: recipient, method: undefined, from, to, at, wallTime: wallTimeOf(env.clock, at) });
      },
      forgotten: (own) => {
        const slot = env.directory.existingSlot(own.recipient.type, own.recipient.key);
        if (slot?.callers === own) slot.callers = undefined;
      },
    });
  }

  /** Sends a request; `parent` is the turn whose handler sends it (the call chain), if any. */
  send(message: unknown, recipient: AgentId, options: SendOptions | undefined, parent: Delivery | undefined): Promise<unknown> {
    let withPolicies: boolean;
    try {
      withPolicies = checkSendOptions(recipient, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const escalateTo = options === undefined ? this.env.escalationTopic : (options.escalateTo ?? this.env.escalationTopic);
    if (escalateTo === undefined) return this.route(message, recipient, options, parent, withPolicies);
    const messageId = options?.messageId ?? this.nextId();
    const sending = this.route(message, recipient, { ...options, messageId }, parent, withPolicies);
    return sending.catch((error: unknown) => this.escalate(error, message, recipient, messageId, options?.sender, escalateTo));
  }

  /** Like {@link send}, returning a handle that follows the request's lifecycle. */
  request<R>(message: unknown, recipient: AgentId, options: SendOptions | undefined, parent: Delivery | undefined): RequestHandle<R> {
    const messageId = options?.messageId ?? this.nextId();
    return new RequestHandle<R>(messageId, this.env.requests, this.env.clock, () => this.send(message, recipient, { ...options, messageId }, parent) as Promise<R>);
  }

  /**
   * Hands every request of this engine's callers to `transport` from now on (a distributed
   * runtime's engine: the recipients are served by whichever process holds them); caller-side
   * policies keep running here, around the transport's attempts.
   */
  carryThrough(transport: SendTransport): void {
    this.transport = transport;
  }

  /**
   * Delivers a request to an agent of this engine, never through the transport: how a distributed
   * runtime serves the requests it pulled. `parent` is the turn of this engine whose call chain the
   * request belongs to (it then re-enters it), `attemptOf` the caller-side run it is an attempt of
   * when the caller is this very process (the run then ends the request, as in-process). The
   * delivery returned (none when the request was refused) is what {@link abandonAttempt} ends.
   */
  serve(message: unknown, recipient: AgentId, options: SendOptions, parent: Delivery | undefined, attemptOf: TransportedRun | undefined): Served {
    if (attemptOf === undefined) {
      const served: { delivery: Delivery | undefined } = { delivery: undefined };
      const promise = this.sendOnce(message, recipient, options, parent, served);
      return { promise, delivery: served.delivery };
    }
    const slot = this.env.directory.findSlot(recipient);
    if (slot === undefined) return { promise: Promise.reject(this.env.directory.undeliverable(recipient, attemptOf.messageId)), delivery: undefined };
    const promise = pendingPromise<unknown>();
    const resolve = takeResolve<unknown>();
    const reject = takeReject();
    const owner = { deliverySettled: (ok: boolean, outcome: unknown) => (ok ? resolve(outcome) : reject(outcome)) };
    const d = Delivery.attempt(this.env.deliveryHost, owner, attemptOf.messageId, message, slot, options.sender, parent, attemptOf.attempt);
    // the caller's run enforces its own limit and abandons the attempt (see abandonAttempt), as in-process
    this.dispatch(d, undefined, undefined, attemptOf.deadline);
    return { promise, delivery: d };
  }

  /** The caller-side breaker kept for `recipient`. */
  callerBreaker(recipient: AgentId): CircuitBreakerPolicy | undefined {
    return this.policies.breakerFor(recipient);
  }

  /** Every caller-side breaker kept, with its recipient. */
  callerBreakers(): IterableIterator<{ readonly recipient: AgentId; readonly breaker: CircuitBreakerPolicy }> {
    return this.policies.breakers();
  }

  /** The adaptive caller-side timeout kept for `recipient`. */
  callerTimeout(recipient: AgentId): TimeoutPolicy | undefined {
    return this.policies.adaptiveTimeoutFor(recipient);
  }

  /** Ends every request waiting between attempts: the runtime stopped. */
  stop(): void {
    this.stops++;
    for (const run of [...this.waitingRuns]) {
      run.cancel(new RuntimeStoppedError('The runtime stopped during a retry backoff.', { messageId: run.messageId, agentId: run.recipient }));
    }
  }

  private route(message: unknown, recipient: AgentId, options: SendOptions | undefined, parent: Delivery | undefined, withPolicies: boolean): Promise<unknown> {
    const transport = this.transport;
    if (!withPolicies) return transport === undefined ? this.sendOnce(message, recipient, options, parent) : transport.send(message, recipient, options, live(parent));
    return this.run(message, recipient, options!, options!.messageId ?? (transport === undefined ? this.env.ids.next() : transport.newId()), parent, undefined);
  }

  /** A new message id: the transport's (unique across processes) when there is one. */
  private nextId(): string {
    return this.transport === undefined ? this.env.ids.nextId() : this.transport.newId();
  }

  /** A request through its caller-side policies; `id` is its message id or the sequence number it is formatted from. */
  private run(message: unknown, recipient: AgentId, options: SendOptions, id: string | number, caller: Delivery | undefined, origin: SendRun | undefined): Promise<unknown> {
    const parent = live(caller);
    if (origin === undefined && (caller?.aborted === true || options.signal?.aborted === true)) {
      const messageId = typeof id === 'string' ? id : this.env.ids.format(id);
      return this.refuse(refusal(messageId, message, options.sender ?? parent?.recipient, recipient, parent), this.notSent(messageId, recipient, caller, options.signal));
    }
    try {
      const slot = this.transport === undefined ? this.env.directory.findSlot(recipient) : undefined;
      const own = slot === undefined ? undefined : (slot.callers ??= this.policies.recipientOf(recipient));
      const stack = this.policies.stackFor(recipient, options, own);
      const run = new SendRun(stack, this, message, recipient, slot, options, id, parent, origin);
      const outcome = run.start();
      return outcome === run ? run.promise() : Promise.resolve(outcome);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A plain request: one delivery, whose settlement is the request's. */
  /** One delivery, no caller-side policies; `served`, when given, learns the delivery (to abandon it later). */
  private sendOnce(message: unknown, recipient: AgentId, options: SendOptions | undefined, caller: Delivery | undefined, served?: { delivery: Delivery | undefined }): Promise<unknown> {
    const parent = live(caller);
    if (caller?.aborted === true) {
      const messageId = options?.messageId ?? this.env.ids.nextId();
      return this.refuse(refusal(messageId, message, options?.sender ?? parent?.recipient, recipient, parent), this.notSent(messageId, recipient, caller, options?.signal));
    }
    const sender = options?.sender ?? parent?.recipient;
    const slot = this.env.directory.findSlot(recipient);
    if (slot === undefined) {
      const messageId = options?.messageId ?? this.env.ids.nextId();
      return this.refuse(refusal(messageId, message, sender, recipient, parent), this.env.directory.undeliverable(recipient, messageId));
    }
    const d = Delivery.request(this.env.deliveryHost, options?.messageId ?? this.env.ids.next(), message, slot, sender, parent);
    const invalid = validateMessage(message, d, recipient);
    if (invalid) return this.refuse(d, invalid);
    if (served !== undefined) served.delivery = d;
    const promise = pendingPromise<unknown>();
    d.onValue = takeResolve();
    d.onError = takeReject();
    this.dispatch(d, options?.signal, options?.timeout as number | undefined, undefined);
    return promise;
  }

  /** @internal (SendRunHost) The delivery of a run's current attempt (the transport's attempt when there is one). */
  deliverAttempt(run: SendRun): Delivery | TransportAttempt {
    if (this.transport !== undefined) return this.transport.attempt(run);
    const slot = run.slot ?? this.env.directory.findSlot(run.recipient);
    if (slot === undefined) {
      const error = this.env.directory.undeliverable(run.recipient, run.messageId);
      this.lifecycle.refused(run, 'undeliverable', error);
      throw error;
    }
    const d = Delivery.attempt(this.env.deliveryHost, run, run.id, run.message, slot, run.sender, live(run.parent), run.attempt);
    const invalid = validateMessage(run.message, d, run.recipient);
    if (invalid) {
      this.lifecycle.refused(d, 'validation', invalid);
      throw invalid;
    }
    this.dispatch(d, run.callerSignal, undefined, run.deadline);
    return d;
  }

  /** @internal (SendRunHost) */
  formatMessageId(seq: number): string {
    return this.env.ids.format(seq);
  }

  /** @internal (SendRunHost) */
  abandonAttempt(attempt: Delivery | TransportAttempt, reason: unknown): void {
    if (attempt instanceof Delivery) this.env.dispatcher.fail(attempt, reason, classifyFailure(reason));
    else attempt.abandon(reason);
  }

  /** @internal (SendRunHost) */
  holdIdle(on: boolean): void {
    this.env.dispatcher.holdIdle(on);
  }

  /** @internal (SendRunHost) */
  waiting(run: SendRun, on: boolean): void {
    if (on) this.waitingRuns.add(run);
    else this.waitingRuns.delete(run);
    const dispatcher = this.env.dispatcher;
    dispatcher.holdIdle(on);
    if (run.parent !== undefined) dispatcher.linkChild(run.parent, run, on);
  }

  /** @internal (SendRunHost) The `fallback` send option: a function's answer, or the next recipients in turn. */
  fallBack(run: SendRun, error: unknown): unknown {
    const fallback = run.fallback!;
    if (typeof fallback === 'function') return fallback(error, run.message);
    return this.tryRecipients(run, fallback instanceof AgentId ? [fallback] : fallback, error);
  }

  /**
   * Reassigns the request to each recipient in turn, with the caller's time limit, until one answers.
   * A `stop()` between two of them ends it (the next one would wait in a stopped runtime).
   */
  private async tryRecipients(run: SendRun, recipients: readonly AgentId[], error: unknown): Promise<unknown> {
    let last = error;
    const stops = this.stops;
    for (const recipient of recipients) {
      if (run.done) throw last; // the request was cancelled meanwhile: its run has settled
      if (this.stops !== stops) throw new RuntimeStoppedError(`The runtime stopped while request ${run.messageId} was being reassigned.`, { messageId: run.messageId, agentId: recipient });
      try {
        return await this.run(run.message, recipient, { sender: run.sender, signal: run.callerSignal, timeout: run.fallbackTimeout }, run.id, run.parent, run);
      } catch (next) {
        if (isAbandonment(next)) throw next;
        last = next;
      }
    }
    throw last;
  }

  /** Accepts a delivery: deadline, cancellation and call-chain links, the `sent` step, then the mailbox. */
  private dispatch(d: Delivery, signal: AbortSignal | undefined, timeoutMs: number | undefined, runDeadline: number | undefined): void {
    const parent = d.parent;
    if (signal?.aborted === true || parent?.aborted === true) {
      const error = this.notSent(d.messageId, d.recipient, parent, signal);
      this.lifecycle.refused(d, 'cancelled', error);
      return d.settleWith(false, error);
    }
    const dispatcher = this.env.dispatcher;
    dispatcher.accept(d);
    const inherited = parent?.deadline;
    if (timeoutMs !== undefined || inherited !== undefined || runDeadline !== undefined) this.setDeadline(d, timeoutMs, inherited, runDeadline);
    if (signal !== undefined) dispatcher.listenForCancel(d, signal);
    if (parent !== undefined) dispatcher.linkChild(parent, d, true);
    this.lifecycle.sent(d);
    if (this.env.interventions.has('onSend')) this.intercept(d);
    else dispatcher.enqueue(d);
  }

  /**
   * The earliest of the request's own limit, its call chain's deadline and its run's attempt
   * deadline; the delivery enforces it unless it is the run's (which the run enforces).
   */
  private setDeadline(d: Delivery, timeoutMs: number | undefined, inherited: number | undefined, runDeadline: number | undefined): void {
    const now = timeoutMs === undefined && (inherited === undefined || runDeadline! <= inherited) ? 0 : this.env.clock.now();
    let deadline = timeoutMs === undefined ? Infinity : now + timeoutMs;
    if (inherited !== undefined && inherited < deadline) deadline = inherited;
    const byRun = runDeadline !== undefined && runDeadline <= deadline;
    this.env.dispatcher.setDeadline(d, byRun ? runDeadline : deadline, now, !byRun);
  }

  private intercept(d: Delivery): void {
    const dispatcher = this.env.dispatcher;
    const context = { messageId: d.messageId, sender: d.sender, recipient: d.recipient };
    dispatcher.hold(d);
    this.env.interventions.inOrder('onSend', d.message, context, d.messageId, d.recipient).then(
      (message) => dispatcher.release(d, message),
      (error: unknown) => {
        const reason = classifyFailure(error);
        if (reason === 'dropped') {
          const at = this.env.clock.now();
          this.env.events.emit('dropped', { messageId: d.messageId, message: d.message, stage: 'send', at, wallTime: wallTimeOf(this.env.clock, at) });
        }
        dispatcher.refuse(d, error, reason);
      },
    );
  }

  /** The error of a request cancelled before it was sent: by its signal, or because the handler that sends it was abandoned. */
  private notSent(messageId: string, recipient: AgentId, caller: Delivery | undefined, signal: AbortSignal | undefined): CancelledError {
    if (caller?.aborted === true && signal?.aborted !== true) return abandonedSend(caller.messageId, caller.recipient, recipient);
    return cancelledBeforeSent(messageId, recipient, signal?.reason);
  }

  private refuse(subject: LifecycleSubject, error: unknown): Promise<never> {
    this.lifecycle.refused(subject, classifyFailure(error), error);
    return Promise.reject(error);
  }

  private async escalate(error: unknown, message: unknown, recipient: AgentId, messageId: string, sender: AgentId | undefined, topic: TopicId): Promise<never> {
    const reason = classifyFailure(error);
    if (reason !== 'cancelled' && reason !== 'stopped') {
      const escalation = new Escalation(messageId, message, recipient, sender, error, reason, this.env.requests.get(messageId));
      await this.env.publish(escalation, topic, { sender });
    }
    throw error;
  }
}

/** @internal A request handed to the engine to serve: its answer, and its delivery when it is an attempt of a run of this very process (to abandon it). */
export interface Served {
  readonly promise: Promise<unknown>;
  readonly delivery: Delivery | undefined;
}

/** The turn a send belongs to, while it is still running. */
function live(parent: Delivery | undefined): Delivery | undefined {
  return parent !== undefined && parent.state !== SETTLED ? parent : undefined;
}

/** The lifecycle's view of a request that never got a delivery. */
function refusal(messageId: string, message: unknown, sender: AgentId | undefined, recipient: AgentId, parent: Delivery | undefined): LifecycleSubject {
  return { messageId, message, sender, recipient, topicId: undefined, isRpc: true, attempt: 1, parentMessageId: parent?.messageId, resendable: false, startedAt: 0 };
}
