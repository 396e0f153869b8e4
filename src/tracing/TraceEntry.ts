/** What a trace entry records. */
export type TraceEntryKind =
  | 'send'
  | 'ack'
  | 'status'
  | 'response'
  | 'failure'
  | 'publish'
  | 'retry'
  | 'timeout'
  | 'breaker'
  | 'deadLetter'
  | 'unhandled'
  | 'dropped';

/** One step of a recorded conversation. */
export interface TraceEntry {
  readonly kind: TraceEntryKind;
  /** Runtime clock time. */
  readonly at: number;
  readonly messageId?: string;
  /** The acting party: an agent id (`type/key`) or `client` for callers outside any agent. */
  readonly from: string;
  /** The other party, for arrows (absent for notes). */
  readonly to?: string;
  /** What happened, for people. */
  readonly label: string;
}
