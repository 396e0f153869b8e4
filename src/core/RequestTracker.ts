import type { EventEmitter } from 'eventemitter3';
import type { AckEvent, RequestEndEvent, ResponseEvent, RuntimeEventMap, SendEvent, StatusEvent } from './RuntimeEvents.js';
import { PartialResult } from '../results/PartialResult.js';
import { RequestRecord } from './RequestRecord.js';
import { isOutcome, type RequestState } from './RequestState.js';

/** Options of request tracking (`new SingleThreadedAgentRuntime({ trackRequests })`). */
export interface TrackRequestsOptions {
  /** How many finished records to keep, newest first (default 1,000); older ones are dropped. */
  readonly keepFinished?: number;
}

/** @internal Told about every change of a watched record. */
export type RecordObserver = (record: RequestRecord) => void;

const FAILURE_STATES: Partial<Record<string, RequestState>> = {
  timeout: 'timed-out',
  cancelled: 'cancelled',
  stopped: 'cancelled',
  rejected: 'rejected',
};

/**
 * Lifecycle records of requests (`runtime.requests`), built from the runtime's events: every
 * request when tracking is on (`trackRequests`), otherwise only those watched through
 * `runtime.sendRequest`. In-flight records are kept until they end; finished ones up to
 * `keepFinished`, oldest dropped first.
 *
 * @example
 * ```ts
 * const runtime = new SingleThreadedAgentRuntime({ trackRequests: true });
 * …
 * for (const record of runtime.requests.inFlight()) console.log(record.messageId, record.state);
 * ```
 */
export class RequestTracker {
  private readonly active = new Map<string, RequestRecord>();
  private readonly finished = new Map<string, RequestRecord>();
  private readonly observers = new Map<string, RecordObserver>();
  private attached = false;
  /** Events that did not fit the request machine (should stay 0; for diagnosis). */
  anomalies = 0;

  /** @internal */
  constructor(
    private readonly events: EventEmitter<RuntimeEventMap>,
    private readonly trackAll: boolean,
    private readonly keepFinished: number,
  ) {
    if (trackAll) this.attach();
  }

  /** The record of a request, in flight or recently finished. */
  get(messageId: string): RequestRecord | undefined {
    return this.active.get(messageId) ?? this.finished.get(messageId);
  }

  /** Requests that have not ended, oldest first (for debugging a stuck system). */
  inFlight(): RequestRecord[] {
    return [...this.active.values()];
  }

  /** Recently finished requests, oldest first. */
  recent(): RequestRecord[] {
    return [...this.finished.values()];
  }

  /** @internal Follows one request (and tells `observer` of its changes) even when tracking is off. */
  watch(messageId: string, observer: RecordObserver): void {
    this.observers.set(messageId, observer);
    this.attach();
  }

  /** @internal */
  unwatch(messageId: string): void {
    this.observers.delete(messageId);
    if (!this.trackAll && this.observers.size === 0) this.detach();
  }

  private follows(messageId: string): boolean {
    return this.trackAll || this.observers.has(messageId);
  }

  private readonly onSend = (e: SendEvent): void => {
    if (!this.follows(e.messageId)) return;
    const existing = this.get(e.messageId);
    if (existing === undefined) {
      const name = (e.message as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof e.message;
      const record = new RequestRecord(e.messageId, e.sender, e.recipient, name, e.at);
      record.resendable = e.resendable;
      this.changed(record);
      return;
    }
    const detail = existing.recipient.equals(e.recipient) ? `again to ${String(e.recipient)} (attempt ${e.attempt})` : `reassigned to ${String(e.recipient)}`;
    this.apply(existing, 'sent', e.at, detail, () => {
      existing.sends++;
      existing.recipient = e.recipient;
    });
  };

  private readonly onAck = (e: AckEvent): void => {
    if (!e.isRpc || e.level === 'completed') return;
    const record = this.follows(e.messageId) ? this.get(e.messageId) : undefined;
    if (record === undefined) return;
    if (e.level === 'received') this.apply(record, 'received', e.at);
    else if (e.level === 'processing') this.apply(record, 'processing', e.at, `attempt ${e.attempt}`, () => record.attempts++);
    else this.apply(record, FAILURE_STATES[e.reason ?? 'error'] ?? 'failed', e.at, e.reason, () => (record.error = e.error));
  };

  private readonly onResponse = (e: ResponseEvent): void => {
    const record = this.follows(e.messageId) ? this.get(e.messageId) : undefined;
    if (record === undefined) return;
    const partial = e.value instanceof PartialResult;
    this.apply(record, partial ? 'partial' : 'completed', e.at, partial ? (e.value as PartialResult).summary() : undefined);
  };

  private readonly onEnd = (e: RequestEndEvent): void => {
    const record = this.active.get(e.messageId);
    if (record === undefined) return;
    record.resendable = false;
    this.changed(record);
  };

  private readonly onStatus = (e: StatusEvent): void => {
    const record = this.follows(e.messageId) ? this.get(e.messageId) : undefined;
    if (record === undefined) return;
    record.addReport({ etaMs: e.etaMs, detail: e.detail, progress: e.progress, at: e.at });
    this.observers.get(record.messageId)?.(record);
  };

  private apply(record: RequestRecord, to: RequestState, at: number, detail?: string, update?: () => void): void {
    try {
      record.transition(to, at, detail);
    } catch {
      this.anomalies++;
      return;
    }
    update?.();
    this.changed(record);
  }

  private changed(record: RequestRecord): void {
    const id = record.messageId;
    if (isFinal(record)) {
      this.active.delete(id);
      this.finished.delete(id);
      if (this.keepFinished > 0) this.finished.set(id, record);
      if (this.finished.size > this.keepFinished) this.finished.delete(this.finished.keys().next().value!);
    } else {
      this.finished.delete(id);
      this.active.set(id, record);
    }
    this.observers.get(id)?.(record);
  }

  private attach(): void {
    if (this.attached) return;
    this.attached = true;
    this.events.on('send', this.onSend).on('ack', this.onAck).on('response', this.onResponse).on('status', this.onStatus).on('requestEnd', this.onEnd);
  }

  private detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.events.off('send', this.onSend).off('ack', this.onAck).off('response', this.onResponse).off('status', this.onStatus).off('requestEnd', this.onEnd);
  }
}

/** Ended for good: an outcome no caller-side retry or fallback can follow with another send. */
function isFinal(record: RequestRecord): boolean {
  const state = record.state;
  if (!isOutcome(state)) return false;
  return !record.resendable || state === 'completed' || state === 'partial' || state === 'cancelled';
}
