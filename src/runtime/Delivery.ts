import { CancelledError } from '../errors/CancelledError.js';
import { RejectedError } from '../errors/RejectedError.js';
import type { Clock } from '../util/Clock.js';
import type { DeadlineEntry, DeadlineScheduler } from '../util/DeadlineScheduler.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { AgentId } from '../core/AgentId.js';
import type { AgentSlot } from './AgentSlot.js';
import type { MessageContext, StatusReport } from '../core/MessageContext.js';
import type { PublishOptions, SendOptions } from '../core/SendOptions.js';
import type { TopicId } from '../core/TopicId.js';

/** @internal Lifecycle of a delivery inside the runtime. */
export const QUEUED = 0;
/** @internal The handler is running. */
export const RUNNING = 1;
/** @internal An outcome was delivered (or recorded); later results are ignored. */
export const SETTLED = 2;

/** @internal What a delivery needs from its runtime. */
export interface DeliveryHost {
  readonly clock: Clock;
  readonly random: () => number;
  readonly events: RuntimeEmitter;
  readonly deadlines: DeadlineScheduler;
  formatMessageId(seq: number): string;
  sendFrom(parent: Delivery, message: unknown, recipient: AgentId, options: SendOptions | undefined): Promise<unknown>;
  publishFrom(parent: Delivery, message: unknown, topic: TopicId, options: PublishOptions | undefined): Promise<void>;
  ackProcessing(delivery: Delivery): void;
  reportTimeout(delivery: Delivery, limitMs: number): void;
  reportLate(delivery: Delivery, ok: boolean, outcome: unknown): void;
  reportStatus(delivery: Delivery, status: StatusReport): void;
  cancelChild(child: Delivery, reason: unknown): void;
  /** The request's deadline passed (`armedAt`: when its limit started). */
  expireDelivery(delivery: Delivery, armedAt: number): void;
}

/**
 * @internal The rarely needed parts of a {@link Delivery}, created on first use: the handler's
 * signal, the caller's signal listener, the requests the handler issued, and the like.
 */
export class DeliveryExtras {
  controller: AbortController | undefined = undefined;
  abortReason: unknown = undefined;
  /** Requests the handler issued that are still pending (cancelled with it). */
  children: Set<Delivery> | undefined = undefined;
  callerSignal: AbortSignal | undefined = undefined;
  onCallerAbort: (() => void) | undefined = undefined;
  /** When the turn started (recorded only while someone listens to `response` events). */
  startedAt = 0;
  /** Caller-side retries or fallbacks may send this message id again. */
  resendable = false;
}

/**
 * @internal One message on its way to one recipient: the queue entry, the pending request, the
 * handler's {@link MessageContext} and its deadline-heap entry in a single object, so a request costs
 * one allocation plus its promise. Rarely used state lives in a lazily created {@link DeliveryExtras}.
 */
export class Delivery implements MessageContext, DeadlineEntry {
  state = QUEUED;
  attempt = 1;
  deadline: number | undefined = undefined;
  /** Position in the runtime's deadline heap (-1: no deadline scheduled). */
  heapIndex = -1;
  /** Settles the sender's promise with a value. */
  onValue: ((value: unknown) => void) | undefined = undefined;
  /** Settles the sender's promise with an error. */
  onError: ((error: unknown) => void) | undefined = undefined;
  /** Next delivery in the recipient's mailbox. */
  next: Delivery | undefined = undefined;
  /** The turn that was current on the slot when this one started (reentrancy stack). */
  prevTurn: Delivery | undefined = undefined;
  /** See {@link DeliveryExtras}; undefined until needed. */
  extras: DeliveryExtras | undefined = undefined;
  /** The message id once known, else the sequence number it is formatted from on first read. */
  private id: string | number;

  constructor(
    readonly host: DeliveryHost,
    seq: number,
    public message: unknown,
    readonly slot: AgentSlot,
    readonly sender: AgentId | undefined,
    readonly topicId: TopicId | undefined,
    readonly isRpc: boolean,
    readonly parent: Delivery | undefined,
    messageId: string | undefined,
  ) {
    this.id = messageId ?? seq;
  }

  /** The extras, created on first use. */
  more(): DeliveryExtras {
    return (this.extras ??= new DeliveryExtras());
  }

  /** Caller-side retries or fallbacks may send this message id again. */
  get resendable(): boolean {
    return this.extras?.resendable ?? false;
  }

  get recipient(): AgentId {
    return this.slot.id;
  }

  get messageId(): string {
    const id = this.id;
    return typeof id === 'string' ? id : (this.id = this.host.formatMessageId(id));
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
    this.host.reportStatus(this, status);
  }

  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R> {
    return this.host.sendFrom(this, message, recipient, options) as Promise<R>;
  }

  publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void> {
    return this.host.publishFrom(this, message, topic, options);
  }

  reject(reason: string, detail?: string): never {
    throw new RejectedError(reason, detail, { messageId: this.messageId, agentId: this.recipient });
  }

  /** Aborts the handler's signal and cancels the requests it issued that are still pending. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    const extras = this.more();
    const abortReason = (extras.abortReason = reason ?? new CancelledError());
    extras.controller?.abort(abortReason);
    if (extras.children === undefined) return;
    for (const child of extras.children) this.host.cancelChild(child, abortReason);
  }

  /** @internal Called by the deadline scheduler. */
  onDeadline(armedAt: number): void {
    this.host.expireDelivery(this, armedAt);
  }

  /** Starts a fresh signal for a new attempt (the previous attempt's signal stays aborted). */
  resetSignal(): void {
    const extras = this.extras;
    if (extras === undefined) return;
    extras.controller = undefined;
    extras.abortReason = undefined;
  }
}
