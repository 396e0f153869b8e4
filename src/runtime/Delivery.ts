import { CancelledError } from '../errors/CancelledError.js';
import { RejectedError } from '../errors/RejectedError.js';
import type { EventEmitter } from 'eventemitter3';
import type { Clock, TimerHandle } from '../util/Clock.js';
import type { RuntimeEventMap } from './RuntimeEvents.js';
import type { AgentId } from './AgentId.js';
import type { AgentSlot } from './AgentSlot.js';
import type { MessageContext, StatusReport } from './MessageContext.js';
import type { PublishOptions, SendOptions } from './SendOptions.js';
import type { TopicId } from './TopicId.js';

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
  readonly events: EventEmitter<RuntimeEventMap>;
  formatMessageId(seq: number): string;
  sendFrom(parent: Delivery, message: unknown, recipient: AgentId, options: SendOptions | undefined): Promise<unknown>;
  publishFrom(parent: Delivery, message: unknown, topic: TopicId, options: PublishOptions | undefined): Promise<void>;
  ackProcessing(delivery: Delivery): void;
  reportTimeout(delivery: Delivery, limitMs: number): void;
  reportLate(delivery: Delivery, ok: boolean, outcome: unknown): void;
  reportStatus(delivery: Delivery, status: StatusReport): void;
  cancelChild(child: Delivery, reason: unknown): void;
}

/**
 * @internal One message on its way to one recipient: the queue entry, the pending request and the
 * handler's {@link MessageContext} in a single object, so a request costs one allocation plus its
 * promise.
 */
export class Delivery implements MessageContext {
  state = QUEUED;
  attempt = 1;
  deadline: number | undefined = undefined;
  timer: TimerHandle | undefined = undefined;
  /** Settles the sender's promise with a value. */
  onValue: ((value: unknown) => void) | undefined = undefined;
  /** Settles the sender's promise with an error. */
  onError: ((error: unknown) => void) | undefined = undefined;
  /** Next delivery in the recipient's mailbox. */
  next: Delivery | undefined = undefined;
  /** Neighbours in the runtime's list of running deliveries. */
  prevActive: Delivery | undefined = undefined;
  nextActive: Delivery | undefined = undefined;
  children: Set<Delivery> | undefined = undefined;
  /** The turn that was current on the slot when this one started (reentrancy stack). */
  prevTurn: Delivery | undefined = undefined;
  callerSignal: AbortSignal | undefined = undefined;
  onCallerAbort: (() => void) | undefined = undefined;
  startedAt = 0;
  /** Caller-side retries or fallbacks may send this message id again. */
  resendable = false;
  private controller: AbortController | undefined = undefined;
  private abortReason: unknown = undefined;
  private id: string | undefined;

  constructor(
    readonly host: DeliveryHost,
    readonly seq: number,
    public message: unknown,
    readonly slot: AgentSlot,
    readonly sender: AgentId | undefined,
    readonly topicId: TopicId | undefined,
    readonly isRpc: boolean,
    readonly parent: Delivery | undefined,
    messageId: string | undefined,
  ) {
    this.id = messageId;
  }

  get recipient(): AgentId {
    return this.slot.id;
  }

  get messageId(): string {
    return (this.id ??= this.host.formatMessageId(this.seq));
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** True once the handler's signal was aborted. */
  get aborted(): boolean {
    return this.abortReason !== undefined;
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
    if (this.abortReason !== undefined) return;
    this.abortReason = reason ?? new CancelledError();
    this.controller?.abort(this.abortReason);
    if (this.children === undefined) return;
    for (const child of this.children) this.host.cancelChild(child, this.abortReason);
  }

  /** Starts a fresh signal for a new attempt (the previous attempt's signal stays aborted). */
  resetSignal(): void {
    this.controller = undefined;
    this.abortReason = undefined;
  }
}
