import { ConfigurationError } from '../errors/ConfigurationError.js';
import { countOf } from '../util/countOf.js';
import { describeValue } from '../util/describeValue.js';
import { formatDuration } from '../util/formatDuration.js';
import type { AgentId } from './AgentId.js';
import type { StatusReport } from './MessageContext.js';
import { canTransition, type RequestState } from './RequestState.js';

/** One state change of a request, with when it happened (runtime clock) and a note. */
export interface RequestTransition {
  readonly from: RequestState | undefined;
  readonly to: RequestState;
  readonly at: number;
  readonly detail?: string;
}

/** A progress report received for a request. */
export interface RequestStatusReport extends StatusReport {
  readonly at: number;
}

const MAX_REPORTS = 20;

const inspect: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/**
 * The lifecycle of one request, keyed by its message id: who sent it to whom, its state, attempts
 * and a timestamped history of transitions. Transitions outside the request machine throw, so an
 * illegal sequence can never be recorded.
 */
export class RequestRecord {
  private current: RequestState = 'sent';
  private readonly transitions: RequestTransition[] = [];
  private readonly reports: RequestStatusReport[] = [];
  /** Deliveries made so far (caller-side retries and reassignments count). */
  sends = 1;
  /** Handler attempts seen so far. */
  attempts = 0;
  /** The error of the last failure, if any. */
  error: unknown = undefined;
  /** True while caller-side retries or fallbacks may still send it again after a failure. */
  resendable = false;

  constructor(
    /** The request's message id. */
    readonly messageId: string,
    /** The sending agent (undefined: outside any agent). */
    readonly sender: AgentId | undefined,
    /** The recipient of the latest delivery. */
    public recipient: AgentId,
    /** The message's class name. */
    readonly messageType: string,
    at: number,
  ) {
    this.transitions.push({ from: undefined, to: 'sent', at, detail: `to ${String(recipient)}` });
  }

  /** The current state. */
  get state(): RequestState {
    return this.current;
  }

  /** Every transition, oldest first. */
  get history(): readonly RequestTransition[] {
    return this.transitions;
  }

  /** The latest progress reports (at most 20). */
  get statusReports(): readonly RequestStatusReport[] {
    return this.reports;
  }

  /** When the request was first sent. */
  get sentAt(): number {
    return this.transitions[0]!.at;
  }

  /** Moves to `to`. @throws {@link ConfigurationError} for a transition the request machine forbids. */
  transition(to: RequestState, at: number, detail?: string): void {
    if (!canTransition(this.current, to)) {
      throw new ConfigurationError(`Request ${this.messageId} cannot go from "${this.current}" to "${to}".`);
    }
    this.transitions.push({ from: this.current, to, at, detail });
    this.current = to;
  }

  /** @internal */
  addReport(report: RequestStatusReport): void {
    if (this.reports.length === MAX_REPORTS) this.reports.shift();
    this.reports.push(report);
  }

  /**
   * One line for logs: the message, who sent it to whom, the state, attempts, the path it took with
   * how long it has taken, and the last error —
   * `ReviewCode 3f2a-1 client → reviewer/default: completed, 1 attempt (sent → received → processing → completed in 100 ms)`.
   */
  toString(): string {
    const path = this.transitions.map((t) => t.to).join(' → ');
    const took = formatDuration(this.transitions.at(-1)!.at - this.sentAt);
    const error = this.error === undefined ? '' : `: ${describeValue(this.error)}`;
    return `${this.messageType} ${this.messageId} ${this.sender?.toString() ?? 'client'} → ${String(this.recipient)}: ${this.current}, ${countOf(this.attempts, 'attempt')} (${path} in ${took})${error}`;
  }

  /** Node's `console.log` and `util.inspect` show the record as {@link RequestRecord.toString} does. */
  [inspect](): string {
    return `RequestRecord ${this.toString()}`;
  }

  /** A plain snapshot for logs and JSON. */
  toJSON(): object {
    return {
      messageId: this.messageId,
      sender: this.sender?.toString(),
      recipient: this.recipient.toString(),
      messageType: this.messageType,
      state: this.current,
      sends: this.sends,
      attempts: this.attempts,
      history: this.transitions,
      statusReports: this.reports,
      error: this.error instanceof Error ? { name: this.error.name, message: this.error.message } : this.error,
    };
  }
}
