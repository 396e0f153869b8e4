import type { FailureReason } from '../core/RuntimeEvents.js';
import { LatencyHistogram } from './LatencyHistogram.js';
import type { AgentTypeStats } from './StatsSnapshot.js';

/** @internal The live counts behind one {@link AgentTypeStats}. */
export class AgentTypeCounters {
  requests = 0;
  successes = 0;
  failures = 0;
  retries = 0;
  timeouts = 0;
  breakerOpens = 0;
  deadLetters = 0;
  private readonly reasons: Partial<Record<FailureReason, number>> = {};
  private readonly latency: LatencyHistogram;

  constructor(relativeAccuracy: number) {
    this.latency = new LatencyHistogram(relativeAccuracy);
  }

  /** A request ended: `reason` undefined for a success; `durationMs` undefined when it was not timed. */
  ended(reason: FailureReason | undefined, durationMs: number | undefined): void {
    if (reason === undefined) this.successes++;
    else {
      this.failures++;
      this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
    }
    if (durationMs !== undefined) this.latency.record(durationMs);
  }

  /** A plain copy. */
  snapshot(): AgentTypeStats {
    const { requests, successes, failures, retries, timeouts, breakerOpens, deadLetters } = this;
    return { requests, successes, failures, failuresByReason: { ...this.reasons }, retries, timeouts, breakerOpens, deadLetters, latency: this.latency.summary() };
  }
}
