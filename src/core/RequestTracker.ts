import type { AgentId } from './AgentId.js';
import { RequestRecord } from './RequestRecord.js';
import { isOutcome, type RequestState } from './RequestState.js';
import { typeName } from '../util/typeName.js';

/** Options of request tracking (`new SingleThreadedAgentRuntime({ trackRequests })`). */
export interface TrackRequestsOptions {
  /** How many finished records to keep, newest first (default 1,000); older ones are dropped. */
  readonly keepFinished?: number;
}

/** @internal Told about every change of a watched record. */
export type RecordObserver = (record: RequestRecord) => void;

/**
 * Lifecycle records of requests (`runtime.requests`): every request when tracking is on
 * (`trackRequests`), otherwise only those followed through `runtime.sendRequest`. The runtime's
 * request lifecycle writes them as the request moves (never rebuilt from events), so every history
 * is a legal path of the request state machine. In-flight records are kept until they end;
 * finished ones up to `keepFinished`, oldest dropped first.
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
  private recordingChanged: (() => void) | undefined = undefined;

  /** @internal */
  constructor(
    private readonly trackAll: boolean,
    private readonly keepFinished: number,
  ) {}

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

  /** @internal True when some request may be recorded (tracking on, or a request is watched). */
  get recording(): boolean {
    return this.trackAll || this.observers.size !== 0;
  }

  /** @internal True when the request with this id is recorded. */
  follows(messageId: string): boolean {
    return this.trackAll || this.observers.has(messageId);
  }

  /** @internal Calls `fn` whenever {@link recording} may have changed. */
  onRecordingChange(fn: () => void): void {
    this.recordingChanged = fn;
  }

  /** @internal Follows one request (and tells `observer` of its changes) even when tracking is off. */
  watch(messageId: string, observer: RecordObserver): void {
    this.observers.set(messageId, observer);
    if (this.observers.size === 1) this.recordingChanged?.();
  }

  /** @internal */
  unwatch(messageId: string): void {
    if (this.observers.delete(messageId) && this.observers.size === 0) this.recordingChanged?.();
  }

  /** @internal Opens the record of a new request (state `sent`), or sends a known one again. */
  sent(messageId: string, sender: AgentId | undefined, recipient: AgentId, message: unknown, attempt: number, resendable: boolean, at: number): void {
    const existing = this.get(messageId);
    if (existing === undefined) {
      const record = new RequestRecord(messageId, sender, recipient, typeName(message), at);
      record.resendable = resendable;
      return this.changed(record);
    }
    const detail = existing.recipient.equals(recipient) ? `again to ${String(recipient)} (attempt ${attempt})` : `reassigned to ${String(recipient)}`;
    existing.transition('sent', at, detail);
    existing.sends++;
    existing.recipient = recipient;
    this.changed(existing);
  }

  /**
   * @internal Moves a record. An illegal move is a bug in the runtime, never in the caller's code:
   * it throws (the lifecycle reports it as an invariant violation).
   */
  move(messageId: string, to: RequestState, at: number, detail?: string, error?: unknown): void {
    const record = this.get(messageId);
    if (record === undefined) return;
    record.transition(to, at, detail);
    if (to === 'processing') record.attempts++;
    if (error !== undefined) record.error = error;
    this.changed(record);
  }

  /** @internal Adds a progress report to the record. */
  report(messageId: string, report: { etaMs?: number; detail?: string; progress?: number; at: number }): void {
    const record = this.get(messageId);
    if (record === undefined) return;
    record.addReport(report);
    this.observers.get(messageId)?.(record);
  }

  /** @internal The caller's side of the request ended: nothing will send it again. */
  closed(messageId: string): void {
    const record = this.active.get(messageId);
    if (record === undefined) return;
    record.resendable = false;
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
}

/** Ended for good: an outcome no caller-side retry or fallback can follow with another send. */
function isFinal(record: RequestRecord): boolean {
  const state = record.state;
  if (!isOutcome(state)) return false;
  return !record.resendable || state === 'completed' || state === 'partial' || state === 'cancelled';
}
