/** What a trace entry records. */
export type TraceEntryKind =
  | 'send'
  | 'ack'
  | 'status'
  | 'response'
  | 'failure'
  | 'publish'
  | 'completed'
  | 'retry'
  | 'timeout'
  | 'breaker'
  | 'deadLetter'
  | 'replay'
  | 'unhandled'
  | 'dropped';

/** One step of a recorded conversation. */
export interface TraceEntry {
  /**
   * What happened: `send`, `ack` (received, processing), `status`, `response`, `failure` (of a
   * request or a published copy, or a request refused before it was sent), `publish`, `completed`
   * (a published copy handled), `retry`, `timeout`, `breaker`, `deadLetter`, `replay` (a dead
   * letter delivered again), `unhandled`, `dropped`.
   */
  readonly kind: TraceEntryKind;
  /** Runtime clock time (ms; only differences matter). */
  readonly at: number;
  /** The same instant as wall-clock time, in epoch milliseconds (`new Date(entry.wallTime)`). */
  readonly wallTime: number;
  readonly messageId?: string;
  /** The acting party: an agent id (`type/key`) or `client` for callers outside any agent. */
  readonly from: string;
  /** The other party, for arrows (absent for notes). */
  readonly to?: string;
  /** What happened, for people: plain text (the Mermaid renderer escapes it). */
  readonly label: string;
}
