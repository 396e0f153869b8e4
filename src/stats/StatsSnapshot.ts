import type { FailureReason } from '../core/RuntimeEvents.js';
import type { LatencySummary } from './LatencyHistogram.js';

/**
 * What happened to the requests sent to one agent type (or to all of them, in
 * `StatsSnapshot.total`) since the collector started: opossum's `stats`, per agent type.
 */
export interface AgentTypeStats {
  /** Requests sent to agents of this type, each counted once however often it was resent. */
  readonly requests: number;
  /** Requests that ended with a value (a fallback's answer included). */
  readonly successes: number;
  /** Requests that ended with an error, after every retry and fallback. */
  readonly failures: number;
  /** `failures` by why they failed (`'error'` for a handler's own throw). */
  readonly failuresByReason: Readonly<Partial<Record<FailureReason, number>>>;
  /** Retries (handler-side `@retry` attempts and caller-side `retry` resends). */
  readonly retries: number;
  /** Attempts (`@timeout`) and deliveries (`timeout` send option) that exceeded their limit. */
  readonly timeouts: number;
  /** Times a circuit breaker guarding this type opened. */
  readonly breakerOpens: number;
  /** Messages to agents of this type recorded as dead letters. */
  readonly deadLetters: number;
  /**
   * How long requests took for their callers, from the first send to the end (successes and
   * failures, retries and backoffs included; requests refused before they were sent are not timed),
   * in milliseconds of the runtime's clock.
   */
  readonly latency: LatencySummary;
}

/** A circuit breaker's transitions. */
export interface BreakerStats {
  /** Its state after its latest transition (`'closed'`, `'open'`, `'half-open'`, `'isolated'`). */
  readonly state: string;
  /** Times it opened. */
  readonly opens: number;
  /** Times it let trial calls through (half-open). */
  readonly halfOpens: number;
  /** Times it closed again. */
  readonly closes: number;
  /** When it last changed state (runtime clock). */
  readonly changedAt: number;
}

/**
 * What one policy did. A decorated handler's policies are named `type.method` (an instance-scoped
 * breaker `type/key.method`); the send options of requests to one agent `type/key` (the caller-side
 * breaker is kept per recipient) — the names of `BreakerEvent.breaker`.
 */
export interface PolicyStats {
  /** Handler-side (decorators) or caller-side (send options). */
  readonly side: 'handler' | 'caller';
  /** The agent type it guards. */
  readonly agentType: string;
  /** The handler method, for handler-side policies. */
  readonly method: string | undefined;
  /** Retries it made. */
  readonly retries: number;
  /** Attempts or deliveries it timed out. */
  readonly timeouts: number;
  /** Its circuit breaker's transitions, once it changed state. */
  readonly breaker?: BreakerStats;
}

/** A plain, JSON-ready copy of a `RuntimeStats` collector's counts. */
export interface StatsSnapshot {
  /** When counting began (runtime clock). */
  readonly since: number;
  /** When the snapshot was taken (runtime clock). */
  readonly at: number;
  /** Every agent type together. */
  readonly total: AgentTypeStats;
  /** Per recipient agent type. */
  readonly agentTypes: Readonly<Record<string, AgentTypeStats>>;
  /** Per policy, by name (see {@link PolicyStats}). */
  readonly policies: Readonly<Record<string, PolicyStats>>;
}
