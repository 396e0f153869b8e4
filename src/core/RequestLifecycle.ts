import type { Clock } from '../util/Clock.js';
import { wallTimeOf } from '../util/wallTimeOf.js';
import { reportUncaught } from '../util/reportUncaught.js';
import { PartialResult } from '../results/PartialResult.js';
import type { AgentId } from './AgentId.js';
import type { StatusReport } from './MessageContext.js';
import type { RequestState } from './RequestState.js';
import type { RequestTracker } from './RequestTracker.js';
import type { RuntimeEmitter } from './RuntimeEmitter.js';
import type { AckLevel, FailureReason } from './RuntimeEvents.js';
import type { TopicId } from './TopicId.js';

/** @internal What the lifecycle needs to know of one delivery of a message (a request or an event). */
export interface LifecycleSubject {
  readonly messageId: string;
  readonly message: unknown;
  readonly sender: AgentId | undefined;
  readonly recipient: AgentId;
  readonly topicId: TopicId | undefined;
  readonly isRpc: boolean;
  /** The current attempt (1-based). */
  readonly attempt: number;
  /** The request whose handler sent this one. */
  readonly parentMessageId: string | undefined;
  /** A caller-side retry or fallback may send this message id again. */
  readonly resendable: boolean;
  /** When the current turn started, if measured. */
  readonly startedAt: number;
}

/** The record state a failure reason ends a delivery in. */
const FAILURE_STATES: Partial<Record<FailureReason, RequestState>> = {
  timeout: 'timed-out',
  cancelled: 'cancelled',
  stopped: 'cancelled',
  rejected: 'rejected',
};

/**
 * @internal THE request state machine of a runtime: every step of every delivery goes through it,
 * once, in order — sent, received, processing (per attempt), completed or failed, and the caller's
 * end — and it emits the matching events (`send`, `ack`, `response`, `handlerError`, `unhandled`,
 * `requestEnd`, `status`, `retry`, `timeout`, `lateResult`) and writes the lifecycle records. The
 * records are never rebuilt from events, so their histories are legal by construction; a move the
 * machine forbids is a runtime bug, reported as an uncaught invariant error.
 *
 * Nothing costs anything unless someone listens to the event or the request is recorded.
 */
export class RequestLifecycle {
  /** False while nobody listens to the lifecycle's events and no request is recorded: the hot path skips everything. */
  private active = false;
  /**
   * @internal Told as each attempt of a handler starts, whether anyone listens to events or not: a
   * distributed runtime relays it to the caller in another process (without turning the lifecycle on).
   */
  onProcessing: ((s: LifecycleSubject) => void) | undefined = undefined;

  constructor(
    private readonly events: RuntimeEmitter,
    private readonly tracker: RequestTracker,
    private readonly clock: Clock,
  ) {
    const update = (): void => {
      const on = events.listening;
      this.active = on.send === true || on.ack === true || on.response === true || on.requestEnd === true || tracker.recording;
    };
    events.onListenersChange(update);
    tracker.onRecordingChange(update);
    update();
  }

  /** True when turns must be timed (someone listens to `response` events, which carry the duration). */
  get measuresTurns(): boolean {
    return this.events.listening.response === true;
  }

  /** A delivery was accepted (the request sent, or sent again). */
  sent(s: LifecycleSubject): void {
    if (!this.active) return;
    const events = this.events;
    if (events.listening.send === true) {
      const at = this.clock.now();
      this.events.emit('send', {
        messageId: s.messageId, message: s.message, sender: s.sender, recipient: s.recipient,
        parentMessageId: s.parentMessageId, attempt: s.attempt, resendable: s.resendable, at, wallTime: this.wall(at),
      });
    }
    if (s.isRpc && this.tracker.recording && this.tracker.follows(s.messageId)) {
      this.guard(() => this.tracker.sent(s.messageId, s.sender, s.recipient, s.message, s.attempt, s.resendable, this.clock.now()));
    }
  }

  /** A broker stored the request durably (distributed runtimes; `detail`: where, e.g. its stream sequence). */
  accepted(s: LifecycleSubject, detail: string): void {
    if (!this.active) return;
    this.ack(s, 'accepted', undefined, undefined);
    this.move(s, 'accepted', detail, undefined);
  }

  /** The recipient dequeued the delivery. */
  received(s: LifecycleSubject): void {
    if (!this.active) return;
    this.ack(s, 'received', undefined, undefined);
    this.move(s, 'received', undefined, undefined);
  }

  /** An attempt of the handler started (after any breaker admitted it). */
  processing(s: LifecycleSubject): void {
    this.onProcessing?.(s);
    if (!this.active) return;
    this.ack(s, 'processing', undefined, undefined);
    this.move(s, 'processing', `attempt ${s.attempt}`, undefined);
  }

  /** The delivery ended with a value (handed to its sender). */
  completed(s: LifecycleSubject, value: unknown): void {
    if (!this.active) return;
    this.ack(s, 'completed', undefined, undefined);
    if (!s.isRpc) return;
    const events = this.events;
    if (events.listening.response === true) {
      const at = this.clock.now();
      const durationMs = Math.round((at - s.startedAt) * 1000) / 1000;
      this.events.emit('response', { messageId: s.messageId, value, responder: s.recipient, recipient: s.sender, attempt: s.attempt, durationMs, at, wallTime: this.wall(at) });
    }
    const partial = value instanceof PartialResult;
    this.move(s, partial ? 'partial' : 'completed', partial ? value.summary() : undefined, undefined);
  }

  /** The delivery ended with a failure (handed to its sender, or to the dead letters). */
  failed(s: LifecycleSubject, reason: FailureReason, error: unknown): void {
    this.ack(s, 'failed', reason, error);
    if (!s.isRpc) return;
    this.reportFailure(s, reason, error);
    this.move(s, FAILURE_STATES[reason] ?? 'failed', reason, error);
  }

  /**
   * The request ended for its caller (after every retry and fallback). `reason` is why it failed;
   * a request the caller gave up while waiting to resend ends `cancelled`, one a fallback answered
   * ends `completed`.
   */
  ended(s: LifecycleSubject, ok: boolean, error: unknown, reason: FailureReason | undefined): void {
    if (!this.active) return;
    const messageId = s.messageId;
    const events = this.events;
    if (events.listening.requestEnd === true) {
      const at = this.clock.now();
      const wallTime = this.wall(at);
      const recipient = s.recipient;
      this.events.emit('requestEnd', ok ? { messageId, ok, recipient, at, wallTime } : { messageId, ok, recipient, error, reason: reason ?? 'error', at, wallTime });
    }
    const tracker = this.tracker;
    if (!tracker.recording) return;
    const state = tracker.get(messageId)?.state;
    if (state === undefined) return;
    const at = this.clock.now();
    this.guard(() => {
      if (ok && state !== 'completed' && state !== 'partial') tracker.move(messageId, 'completed', at, 'by the caller’s fallback');
      else if (!ok && (reason === 'cancelled' || reason === 'stopped') && state !== 'cancelled') tracker.move(messageId, 'cancelled', at, reason, error);
      tracker.closed(messageId);
    });
  }

  /**
   * A request (or one attempt of it) that never reached a mailbox (unknown recipient, open
   * caller-side breaker, invalid message, full bulkhead, cancelled before it was sent): recorded as
   * sent then failed, one `failed` ack, and — unless a caller-side run will resend it — one `requestEnd`.
   */
  refused(s: LifecycleSubject, reason: FailureReason, error: unknown): void {
    if (s.isRpc && this.tracker.recording && this.tracker.follows(s.messageId)) {
      this.guard(() => this.tracker.sent(s.messageId, s.sender, s.recipient, s.message, s.attempt, s.resendable, this.clock.now()));
    }
    this.failed(s, reason, error);
    if (!s.resendable) this.ended(s, false, error, reason); // else its caller-side run ends it
  }

  /** A running handler reported progress. */
  status(s: LifecycleSubject, report: StatusReport): void {
    if (this.events.listening.status === true) {
      const at = this.clock.now();
      this.events.emit('status', { messageId: s.messageId, agentId: s.recipient, sender: s.sender, ...report, at, wallTime: this.wall(at) });
    }
    if (s.isRpc && this.tracker.recording && this.tracker.follows(s.messageId)) {
      this.tracker.report(s.messageId, { etaMs: report.etaMs, detail: report.detail, progress: report.progress, at: this.clock.now() });
    }
  }

  /**
   * A retry of the delivery's request will follow after `delayMs` (handler side: another attempt of
   * handler `method`; caller side: another delivery).
   */
  retrying(s: LifecycleSubject, attempt: number, delayMs: number, error: unknown, side: 'handler' | 'caller', method?: string | symbol): void {
    if (this.events.listening.retry !== true) return;
    const at = this.clock.now();
    this.events.emit('retry', {
      messageId: s.messageId, agentId: s.recipient, sender: s.sender, attempt, delayMs, error, side,
      method: method === undefined ? undefined : String(method), at, wallTime: this.wall(at),
    });
  }

  /** An attempt (handler side: of handler `method`) or a delivery (caller side) exceeded its limit. */
  timedOut(s: LifecycleSubject, timeoutMs: number, side: 'handler' | 'caller', method?: string | symbol): void {
    if (this.events.listening.timeout !== true) return;
    const at = this.clock.now();
    this.events.emit('timeout', {
      messageId: s.messageId, agentId: s.recipient, attempt: s.attempt, timeoutMs, side,
      method: method === undefined ? undefined : String(method), at, wallTime: this.wall(at),
    });
  }

  /** A handler finished after its attempt or request had ended: the outcome was discarded. */
  late(s: LifecycleSubject, ok: boolean, outcome: unknown): void {
    if (this.events.listening.lateResult !== true) return;
    const at = this.clock.now();
    this.events.emit('lateResult', {
      messageId: s.messageId, agentId: s.recipient, outcome: ok ? 'value' : 'error',
      value: ok ? outcome : undefined, error: ok ? undefined : outcome, at, wallTime: this.wall(at),
    });
  }

  private ack(s: LifecycleSubject, level: AckLevel, reason: FailureReason | undefined, error: unknown): void {
    const events = this.events;
    if (events.listening.ack !== true) return;
    const at = this.clock.now();
    this.events.emit('ack', {
      messageId: s.messageId, level, recipient: s.recipient, sender: s.sender, isRpc: s.isRpc,
      attempt: s.attempt, reason, error, at, wallTime: this.wall(at),
    });
  }

  private reportFailure(s: LifecycleSubject, reason: FailureReason, error: unknown): void {
    const events = this.events;
    if (reason === 'unhandled') {
      if (events.listening.unhandled !== true) return;
      const at = this.clock.now();
      this.events.emit('unhandled', { messageId: s.messageId, agentId: s.recipient, message: s.message, isRpc: true, at, wallTime: this.wall(at) });
    } else if (reason === 'error' && events.listening.handlerError === true) {
      const at = this.clock.now();
      this.events.emit('handlerError', { messageId: s.messageId, agentId: s.recipient, error, isRpc: true, topicId: undefined, message: s.message, at, wallTime: this.wall(at) });
    }
  }

  private move(s: LifecycleSubject, to: RequestState, detail: string | undefined, error: unknown): void {
    if (!s.isRpc || !this.tracker.recording || !this.tracker.follows(s.messageId)) return;
    const at = this.clock.now();
    this.guard(() => this.tracker.move(s.messageId, to, at, detail, error));
  }

  /** The wall-clock time of `at` (for event payloads only). */
  private wall(at: number): number {
    return wallTimeOf(this.clock, at);
  }

  /** Runs a record update; an illegal move surfaces as an uncaught error, never inside the dispatcher. */
  private guard(update: () => void): void {
    try {
      update();
    } catch (error) {
      reportUncaught(error);
    }
  }
}
