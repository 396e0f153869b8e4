import type { AgentId } from '../core/AgentId.js';
import { classifyFailure } from '../core/classifyFailure.js';
import type { LifecycleSubject, RequestLifecycle } from '../core/RequestLifecycle.js';
import type { SendFallback, SendOptions } from '../core/SendOptions.js';
import type { AgentwireErrorContext } from '../errors/AgentwireError.js';
import { cancelledByCaller, cancelledWithParent } from './cancellations.js';
import type { TimeoutError } from '../errors/TimeoutError.js';
import { neverAbortedSignal } from '../policies/neverAbortedSignal.js';
import type { PolicyContext } from '../policies/Policy.js';
import { PENDING, PolicyRun } from '../policies/PolicyRun.js';
import type { PolicyStack } from '../policies/PolicyStack.js';
import { timeoutAdvice } from '../policies/timeoutAdvice.js';
import type { AgentSlot } from './AgentSlot.js';
import type { ChildRequest, Delivery, DeliveryOwner } from './Delivery.js';
import type { TransportAttempt } from './SendTransport.js';

/** @internal What a {@link SendRun} needs from the sending side of the runtime. */
export interface SendRunHost {
  readonly lifecycle: RequestLifecycle;
  formatMessageId(seq: number): string;
  /** Creates and queues the delivery of the run's current attempt (or hands it to the transport); throws when it cannot be sent. */
  deliverAttempt(run: SendRun): Delivery | TransportAttempt;
  /** Ends an attempt that the run abandoned (its limit passed, or the run was cancelled). */
  abandonAttempt(attempt: Delivery | TransportAttempt, reason: unknown): void;
  /** The `fallback` send option's answer to a final failure. */
  fallBack(run: SendRun, error: unknown): unknown;
  /** The run starts or stops waiting (backoff, bulkhead queue): `stop()` and the issuing request must be able to end it, `stopWhenIdle()` to wait for it. */
  waiting(run: SendRun, on: boolean): void;
  /** Counts the run as work in hand (or no longer) for `stopWhenIdle()`, and nothing else. */
  holdIdle(on: boolean): void;
}

/** The rarely present parts of a {@link SendRun} (one object when any is present, none otherwise). */
interface SendRunOptions {
  /** The caller's signal. */
  readonly signal: AbortSignal | undefined;
  /** The `fallback` send option. */
  readonly fallback: SendFallback | undefined;
  /** The `timeout` send option, kept for fallback recipients (the caller's limit applies to them too). */
  readonly fallbackTimeout: SendOptions['timeout'];
  /** The run whose fallback made this one (it ends the request), for a fallback's send. */
  readonly origin: SendRun | undefined;
  /** The `fallback` send option handed the request to other recipients (their runs carry it now). */
  reassigned: boolean;
}

/**
 * @internal A request run through its caller-side policies (the `sendMessage` options): the caller
 * side of the one policy pipeline, whose attempt is one delivery of the message, with the same
 * message id each time. The deliveries report straight back to the run (no promise per attempt);
 * while the run waits (backoff, bulkhead queue, a fallback) it listens to the caller's signal, the
 * request that issued it and the runtime's `stop()`, so a wait never outlives any of them.
 */
export class SendRun extends PolicyRun<unknown> implements LifecycleSubject, PolicyContext, ChildRequest, DeliveryOwner {
  /** The delivery of the current attempt (or the transport's attempt, when another process serves it). */
  current: Delivery | TransportAttempt | undefined = undefined;
  readonly sender: AgentId | undefined;
  /** Sends of the request so far, counted on the run that ends it (see {@link nextSend}). */
  private sends = 0;
  private readonly rare: SendRunOptions | undefined;

  constructor(
    stack: PolicyStack,
    private readonly host: SendRunHost,
    readonly message: unknown,
    readonly recipient: AgentId,
    /** The recipient's address, when it existed as the request was made. */
    readonly slot: AgentSlot<Delivery> | undefined,
    options: SendOptions,
    /** The message id, or the sequence number it is formatted from on first read. */
    public id: string | number,
    /** The turn whose handler sent the request, if any. */
    readonly parent: Delivery | undefined,
    /** The run whose fallback this send is (that run ends the request), if any. */
    origin: SendRun | undefined,
  ) {
    super(stack);
    this.sender = options.sender ?? parent?.recipient;
    const { signal, fallback } = options;
    this.rare = signal === undefined && fallback === undefined && origin === undefined ? undefined : { signal, fallback, fallbackTimeout: fallback === undefined ? undefined : options.timeout, origin, reassigned: false };
  }

  /**
   * Counts one more send of the request — attempts and fallback recipients' attempts alike — and
   * returns its number (1 for the first): a transport's wire identity of each send.
   */
  nextSend(): number {
    return ++(this.rare?.origin ?? this).sends;
  }

  /** The caller's signal, if any. */
  get callerSignal(): AbortSignal | undefined {
    return this.rare?.signal;
  }

  /** The `fallback` send option, if any. */
  get fallback(): SendFallback | undefined {
    return this.rare?.fallback;
  }

  /** The `timeout` send option when there is a fallback (its recipients get the caller's limit too). */
  get fallbackTimeout(): SendOptions['timeout'] {
    return this.rare?.fallbackTimeout;
  }

  get topicId(): undefined {
    return undefined;
  }

  get isRpc(): true {
    return true;
  }

  /** Its deliveries may be sent again, and it ends the request itself. */
  get resendable(): true {
    return true;
  }

  get startedAt(): number {
    return 0;
  }

  /** @internal (DeliveryOwner) The current attempt's delivery settled. */
  deliverySettled(ok: boolean, outcome: unknown): void {
    this.attemptSettled(this.attempt, ok, outcome);
  }

  /** The request's message id (the same for every attempt). */
  get messageId(): string {
    const id = this.id;
    return typeof id === 'string' ? id : (this.id = this.host.formatMessageId(id));
  }

  get parentMessageId(): string | undefined {
    return this.parent?.messageId;
  }

  /** The caller's signal (fallback functions see it). */
  get signal(): AbortSignal {
    return this.callerSignal ?? neverAbortedSignal;
  }

  /** The current attempt's deadline, for its delivery. */
  get deadline(): number | undefined {
    return this.attemptDeadline;
  }

  protected callAttempt(): typeof PENDING {
    this.current = this.host.deliverAttempt(this);
    return PENDING;
  }

  protected fallbackContext(): PolicyContext {
    return this;
  }

  /** The `fallback` send option's answer to `error`. */
  fallBack(error: unknown): unknown {
    this.rare!.reassigned = typeof this.fallback !== 'function'; // a fallback exists: so does `rare`
    return this.host.fallBack(this, error);
  }

  protected override abortAttempt(reason: unknown): void {
    if (this.current !== undefined) this.host.abandonAttempt(this.current, reason);
  }

  protected override attemptRefused(error: unknown): void {
    this.host.lifecycle.refused(this, classifyFailure(error), error);
  }

  protected override retrying(attempt: number, delay: number, error: unknown): void {
    this.host.lifecycle.retrying(this, attempt, delay, error, 'caller');
  }

  protected override timedOut(error: TimeoutError): void {
    this.host.lifecycle.timedOut(this, error.timeoutMs, 'caller');
  }

  protected override callerGaveUp(): boolean {
    return this.callerSignal?.aborted === true || this.parent?.aborted === true;
  }

  protected override errorContext(): AgentwireErrorContext {
    return { messageId: this.messageId, agentId: this.recipient };
  }

  protected describeAttempt(): string {
    return `Request ${this.messageId} to ${String(this.recipient)} (attempt ${this.attempt})`;
  }

  protected timeoutAdvice(): string {
    return timeoutAdvice.send;
  }

  protected override breakerOwner(): string {
    return `caller side, for ${String(this.recipient)}`;
  }

  protected override waiting(on: boolean): void {
    // Reassigned to fallback recipients, the request lives in their runs: they listen to the caller's
    // signal, the issuing request and stop(), and end this run through their outcome. Listening here
    // too would end the request twice.
    if (this.rare?.reassigned === true) return this.host.holdIdle(on);
    const signal = this.callerSignal;
    if (on) signal?.addEventListener('abort', this, { once: true });
    else signal?.removeEventListener('abort', this);
    this.host.waiting(this, on);
  }

  /** Cancelled before any attempt was delivered or refused (queued in a bulkhead): the lifecycle hears of it now. */
  protected override settleCancelled(error: unknown): void {
    if (this.current === undefined && this.attempt === 1) this.host.lifecycle.refused(this, classifyFailure(error), error);
    super.settleCancelled(error);
  }

  protected override settle(ok: boolean, outcome: unknown): void {
    if (this.rare?.origin === undefined) this.host.lifecycle.ended(this, ok, outcome, ok ? undefined : classifyFailure(outcome));
    super.settle(ok, outcome);
  }

  /** @internal (ChildRequest) Its attempts' deliveries let go of the parent themselves; the run is short-lived and keeps it. */
  parentEnded(): void {}

  /** @internal The caller's signal aborted while the run waited (backoff, bulkhead queue, fallback). */
  handleEvent(): void {
    this.cancel(cancelledByCaller(this.messageId, this.recipient, this.callerSignal?.reason, ' while the request waited to be sent (again)'));
  }

  /** @internal The request that issued this one ended while the run waited. */
  cancelByParent(reason: unknown): void {
    this.cancel(cancelledWithParent(this.messageId, this.recipient, reason));
  }

}
