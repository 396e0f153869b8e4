import { CancelledError } from '../errors/CancelledError.js';
import type { Replies, ReplyOf } from '../core/Replies.js';
import { RejectedError } from '../errors/RejectedError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { OnceStore } from '../core/OnceStore.js';
import { describeValue } from '../util/describeValue.js';
import type { AgentId } from '../core/AgentId.js';
import type { HandlerContext } from '../core/HandlerContext.js';
import type { HandlerPolicySpec } from '../core/HandlerPolicySpec.js';
import type { LifecycleSubject, RequestLifecycle } from '../core/RequestLifecycle.js';
import type { StatusReport } from '../core/MessageContext.js';
import type { PublishOptions, SendOptions } from '../core/SendOptions.js';
import type { TopicId } from '../core/TopicId.js';
import type { RunSink } from '../agents/HandlerRun.js';
import type { PolicyStack } from '../policies/PolicyStack.js';
import type { DeadlineEntry } from '../util/DeadlineScheduler.js';
import type { AgentSlot, Turn } from './AgentSlot.js';
import { NEW, SETTLED } from './deliveryStates.js';

/** @internal A request issued from a handler: cancelled when the request that issued it ends. */
export interface ChildRequest {
  cancelByParent(reason: unknown): void;
  /** The request that issued this one ended without cancelling it (its handler returned first): stop referring to it. */
  parentEnded(): void;
}

/** @internal A caller-side policy run that owns a delivery: told of its outcome, it may resend, and it ends the request. */
export interface DeliveryOwner {
  deliverySettled(ok: boolean, outcome: unknown): void;
}

/** @internal The engine services a delivery's context reaches: narrow, and only functions of the delivery. */
export interface DeliveryHost {
  readonly lifecycle: RequestLifecycle;
  formatMessageId(seq: number): string;
  sendFrom(parent: Delivery, message: unknown, recipient: AgentId, options: SendOptions | undefined): Promise<unknown>;
  publishFrom(parent: Delivery, message: unknown, topic: TopicId, options: PublishOptions | undefined): Promise<void>;
  /** Where `ctx.once` records outcomes (the runtime's `onceStore`). */
  readonly onceStore: OnceStore;
  handlerStack(d: Delivery, spec: HandlerPolicySpec): PolicyStack;
  beginAttempt(d: Delivery, attempt: number): void;
  abortAttempt(d: Delivery, reason: unknown): void;
  cancelChild(d: Delivery, reason: unknown): void;
  /** The delivery's deadline passed (`armedAt`: when its limit started). */
  expire(d: Delivery, armedAt: number): void;
  /** The policy run of the delivery's decorated handler settled. */
  runSettled(d: Delivery, ok: boolean, outcome: unknown): void;
}

/**
 * @internal The rarely needed parts of a {@link Delivery}, created on first use: the handler's
 * signal, the caller's signal listener, the requests the handler issued, and the like.
 */
export class DeliveryExtras {
  controller: AbortController | undefined = undefined;
  abortReason: unknown = undefined;
  /** Requests the handler issued that are still pending (cancelled with it). */
  children: Set<ChildRequest> | undefined = undefined;
  callerSignal: AbortSignal | undefined = undefined;
  onCallerAbort: (() => void) | undefined = undefined;
  /** When the turn started (recorded only while someone listens to `response` events). */
  startedAt = 0;
  /** Wakes the publish that waits for this delivery to get room in a full mailbox. */
  admitted: (() => void) | undefined = undefined;
  /** What the turn admission hook attached to this turn (`EngineSeam.tagTurn`): a distributed runtime's fence. */
  admission: unknown = undefined;
}

/**
 * @internal One message on its way to one recipient: the mailbox entry, the pending request, the
 * handler's context and its deadline-heap entry in a single object, so a request costs one
 * allocation plus its promise. Built by {@link Delivery.request} and {@link Delivery.event}; only
 * the dispatcher changes its state.
 */
export class Delivery implements HandlerContext, LifecycleSubject, DeadlineEntry, Turn<Delivery>, ChildRequest, RunSink {
  state = NEW;
  attempt = 1;
  deadline: number | undefined = undefined;
  /** Position in the deadline heap (-1: no deadline of its own scheduled). */
  heapIndex = -1;
  /**
   * The sender's side: the settlers of the request's promise (`onValue` / `onError`), or, for an
   * attempt of a caller-side policy run, that run ({@link owner}) in `onValue` — one field less on
   * every pending request.
   */
  onValue: ((value: unknown) => void) | DeliveryOwner | undefined = undefined;
  /** Settles the sender's side with an error (no owner). */
  onError: ((error: unknown) => void) | undefined = undefined;
  /** Next delivery in the recipient's mailbox. */
  next: Delivery | undefined = undefined;
  prevTurn: Delivery | undefined = undefined;
  /** See {@link DeliveryExtras}; undefined until needed. */
  extras: DeliveryExtras | undefined = undefined;
  /** The policy run of a decorated handler handling this delivery (ended with it). */
  run: { cancel(error: unknown): void } | undefined = undefined;
  /** The message id once known, else the sequence number it is formatted from on first read. */
  private id: string | number;

  private constructor(
    readonly host: DeliveryHost,
    id: string | number,
    public message: unknown,
    readonly slot: AgentSlot<Delivery>,
    readonly sender: AgentId | undefined,
    readonly topicId: TopicId | undefined,
    readonly isRpc: boolean,
    /**
     * The turn whose handler sent this request (the call chain), until that turn ends: a chain of
     * fire-and-forget sends must not keep every finished ancestor alive.
     */
    public parent: Delivery | undefined,
  ) {
    this.id = id;
  }

  /** A request (`sendMessage`): its message id, or the sequence number it is formatted from when first read. */
  static request(host: DeliveryHost, id: string | number, message: unknown, slot: AgentSlot<Delivery>, sender: AgentId | undefined, parent: Delivery | undefined): Delivery {
    return new Delivery(host, id, message, slot, sender, undefined, true, parent);
  }

  /** One attempt of a request sent through caller-side policies: its `owner` run may resend it, and ends the request. */
  static attempt(host: DeliveryHost, owner: DeliveryOwner, id: string | number, message: unknown, slot: AgentSlot<Delivery>, sender: AgentId | undefined, parent: Delivery | undefined, attempt: number): Delivery {
    const d = new Delivery(host, id, message, slot, sender, undefined, true, parent);
    d.attempt = attempt;
    d.onValue = owner;
    return d;
  }

  /** One recipient's copy of a published message. */
  static event(host: DeliveryHost, messageId: string, message: unknown, slot: AgentSlot<Delivery>, sender: AgentId | undefined, topicId: TopicId | undefined): Delivery {
    return new Delivery(host, messageId, message, slot, sender, topicId, false, undefined);
  }

  /** The extras, created on first use. */
  more(): DeliveryExtras {
    return (this.extras ??= new DeliveryExtras());
  }

  get recipient(): AgentId {
    return this.slot.id;
  }

  get messageId(): string {
    const id = this.id;
    return typeof id === 'string' ? id : (this.id = this.host.formatMessageId(id));
  }

  get parentMessageId(): string | undefined {
    return this.parent?.messageId;
  }

  /** The caller-side policy run this delivery is an attempt of, if any: told of the outcome, it may resend and it ends the request. */
  get owner(): DeliveryOwner | undefined {
    const to = this.onValue;
    return typeof to === 'object' ? to : undefined;
  }

  /** A caller-side policy run may send this message id again (it owns the delivery). */
  get resendable(): boolean {
    return typeof this.onValue === 'object';
  }

  /** Hands the outcome to the sender's side: the owning run, or the request's promise (then lets go of it). */
  settleWith(ok: boolean, outcome: unknown): void {
    const to = this.onValue;
    const onError = this.onError;
    this.onValue = this.onError = undefined; // a finished delivery may be kept (the dispatcher keeps the last): not its outcome
    if (typeof to === 'object') to.deliverySettled(ok, outcome);
    else if (ok) to?.(outcome);
    else onError?.(outcome);
  }

  get startedAt(): number {
    return this.extras?.startedAt ?? 0;
  }

  get signal(): AbortSignal {
    const extras = this.more();
    if (extras.controller === undefined) {
      extras.controller = new AbortController();
      if (extras.abortReason !== undefined) extras.controller.abort(extras.abortReason);
    }
    return extras.controller.signal;
  }

  /** True once the handler's signal was aborted. */
  get aborted(): boolean {
    return this.extras !== undefined && this.extras.abortReason !== undefined;
  }

  reportStatus(status: StatusReport): void {
    if (this.state !== SETTLED) this.host.lifecycle.status(this, status);
  }

  sendMessage<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): Promise<ReplyOf<M>>;
  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R>;
  sendMessage(message: unknown, recipient: AgentId, options?: SendOptions): Promise<unknown> {
    return this.host.sendFrom(this, message, recipient, options);
  }

  publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void> {
    return this.host.publishFrom(this, message, topic, options);
  }

  once<T>(key: string, fn: () => T | Promise<T>): Promise<T> {
    if (typeof key !== 'string' || key === '' || typeof fn !== 'function') {
      return Promise.reject(new ConfigurationError(`ctx.once(key, fn) needs a non-empty string key and a function, got ${describeValue(key)} and ${describeValue(fn)}.`));
    }
    return this.host.onceStore.once(key, fn, this);
  }

  reject(reason: string, detail?: string): never {
    throw new RejectedError(reason, detail, { messageId: this.messageId, agentId: this.recipient });
  }

  handlerStack(spec: HandlerPolicySpec): PolicyStack {
    return this.host.handlerStack(this, spec);
  }

  beginAttempt(attempt: number): void {
    if (attempt === 1) this.host.lifecycle.processing(this); // nothing changes for a first attempt but its ack
    else this.host.beginAttempt(this, attempt);
  }

  abortAttempt(reason: unknown): void {
    this.host.abortAttempt(this, reason);
  }

  attemptRetrying(attempt: number, delayMs: number, error: unknown, method: string | symbol): void {
    this.host.lifecycle.retrying(this, attempt, delayMs, error, 'handler', method);
  }

  attemptTimedOut(limitMs: number, method: string | symbol): void {
    this.host.lifecycle.timedOut(this, limitMs, 'handler', method);
  }

  attemptLate(ok: boolean, outcome: unknown): void {
    this.host.lifecycle.late(this, ok, outcome);
  }

  adoptRun(run: { cancel(error: unknown): void }): void {
    this.run = run;
  }

  /** @internal The request that issued this one ended. */
  cancelByParent(reason: unknown): void {
    this.host.cancelChild(this, reason);
  }

  /** @internal The policy run of this delivery's decorated handler settled. */
  runSettled(ok: boolean, outcome: unknown): void {
    this.host.runSettled(this, ok, outcome);
  }

  /** @internal Called by the deadline scheduler. */
  onDeadline(armedAt: number): void {
    this.host.expire(this, armedAt);
  }

  /** @internal (ChildRequest) */
  parentEnded(): void {
    this.parent = undefined;
  }

  /** @internal (dispatcher) Aborts the handler's signal and cancels the requests it issued that are still pending. */
  abortSignal(reason: unknown): void {
    if (this.aborted) return;
    const extras = this.more();
    const abortReason = (extras.abortReason = reason ?? new CancelledError());
    extras.controller?.abort(abortReason);
    const children = extras.children;
    if (children === undefined) return;
    for (const child of children) child.cancelByParent(abortReason);
  }

  /** @internal (dispatcher) A fresh signal for a new attempt (the previous attempt's stays aborted). */
  resetSignal(): void {
    const extras = this.extras;
    if (extras === undefined) return;
    extras.controller = undefined;
    extras.abortReason = undefined;
  }
}
