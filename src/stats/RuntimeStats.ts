import type { AgentRuntime } from '../core/AgentRuntime.js';
import type { BreakerEvent, FailureReason } from '../core/RuntimeEvents.js';
import { checkOption } from '../policies/checkOption.js';
import { AgentTypeCounters } from './AgentTypeCounters.js';
import { listenForOutcomes, type OutcomeSink, type PolicyRef } from './listenForOutcomes.js';
import type { AgentTypeStats, BreakerStats, PolicyStats, StatsSnapshot } from './StatsSnapshot.js';

/** Options of {@link RuntimeStats}. */
export interface RuntimeStatsOptions {
  /** Relative accuracy of the latency percentiles (default 0.01: within 1 % of the exact value). */
  readonly relativeAccuracy?: number;
  /**
   * How many agent types and how many policies to count separately (default 1,000 each). Past it,
   * new ones are counted in `total` only, so a program that sends to ever new agent keys with
   * caller-side policies cannot grow the collector without bound.
   */
  readonly maxEntries?: number;
}

interface PolicyCounters {
  side: 'handler' | 'caller';
  agentType: string;
  method: string | undefined;
  retries: number;
  timeouts: number;
  breaker: { -readonly [K in keyof BreakerStats]: BreakerStats[K] } | undefined;
}

/**
 * Counts what happens to a runtime's requests, per agent type and per policy, like opossum's
 * `stats`: requests, successes, failures by reason, retries, timeouts, breaker opens, dead letters
 * and latency percentiles. Attach it explicitly (a runtime without one pays nothing); it is built on
 * `runtime.events` only, so it works with every `AgentRuntime`. Memory is bounded: counts, one
 * latency histogram per agent type (see `LatencyHistogram`), and the start time of each
 * request in flight. Attach it before `start()` to count every request; one in flight when it
 * attached is counted when it ends, but not timed.
 *
 * @example
 * ```ts
 * const stats = new RuntimeStats(runtime);
 * …
 * const { agentTypes } = stats.snapshot();
 * console.log(agentTypes.researcher?.failuresByReason.timeout, agentTypes.researcher?.latency.p99);
 * stats.dispose();
 * ```
 */
export class RuntimeStats {
  private readonly accuracy: number;
  private readonly maxEntries: number;
  private readonly since: number;
  private readonly total: AgentTypeCounters;
  private readonly types = new Map<string, AgentTypeCounters>();
  private readonly policies = new Map<string, PolicyCounters>();
  private readonly stop: () => void;

  /** Starts counting. @throws {@link ConfigurationError} on out-of-range options. */
  constructor(
    private readonly runtime: AgentRuntime,
    options: RuntimeStatsOptions = {},
  ) {
    this.maxEntries = options.maxEntries === undefined ? 1_000 : checkOption('RuntimeStats', 'maxEntries', options.maxEntries, { min: 0, integer: true });
    this.accuracy = options.relativeAccuracy ?? 0.01;
    this.total = new AgentTypeCounters(this.accuracy);
    this.since = runtime.clock.now();
    this.stop = listenForOutcomes(runtime, this.sink());
  }

  /** A plain copy of the counts so far. */
  snapshot(): StatsSnapshot {
    const agentTypes: Record<string, AgentTypeStats> = {};
    for (const [type, counters] of this.types) agentTypes[type] = counters.snapshot();
    const policies: Record<string, PolicyStats> = {};
    for (const [name, p] of this.policies) {
      const { side, agentType, method, retries, timeouts, breaker } = p;
      policies[name] = breaker === undefined ? { side, agentType, method, retries, timeouts } : { side, agentType, method, retries, timeouts, breaker: { ...breaker } };
    }
    return { since: this.since, at: this.runtime.clock.now(), total: this.total.snapshot(), agentTypes, policies };
  }

  /** Stops counting (the counts so far stay readable). */
  dispose(): void {
    this.stop();
  }

  private sink(): OutcomeSink {
    return {
      requestStarted: (type) => this.each(type, (c) => c.requests++),
      requestEnded: (type, reason: FailureReason | undefined, durationMs) => this.each(type, (c) => c.ended(reason, durationMs)),
      retried: (ref) => {
        this.each(ref.agentType, (c) => c.retries++);
        const p = this.policy(ref);
        if (p !== undefined) p.retries++;
      },
      timedOut: (ref) => {
        this.each(ref.agentType, (c) => c.timeouts++);
        const p = this.policy(ref);
        if (p !== undefined) p.timeouts++;
      },
      breakerChanged: (e) => this.breakerChanged(e),
      deadLettered: (type) => this.each(type, (c) => c.deadLetters++),
    };
  }

  private breakerChanged(e: BreakerEvent): void {
    if (e.to === 'open') this.each(e.agentType, (c) => c.breakerOpens++);
    const p = this.policy({ name: e.breaker, side: e.side, agentType: e.agentType, method: e.method });
    if (p === undefined) return;
    const b = (p.breaker ??= { state: e.from, opens: 0, halfOpens: 0, closes: 0, changedAt: e.at });
    b.state = e.to;
    b.changedAt = e.at;
    if (e.to === 'open') b.opens++;
    else if (e.to === 'half-open') b.halfOpens++;
    else if (e.to === 'closed') b.closes++;
  }

  /** Applies `update` to the total and to the type's counters (unless past `maxEntries`). */
  private each(type: string, update: (c: AgentTypeCounters) => void): void {
    update(this.total);
    let counters = this.types.get(type);
    if (counters === undefined) {
      if (this.types.size >= this.maxEntries) return;
      this.types.set(type, (counters = new AgentTypeCounters(this.accuracy)));
    }
    update(counters);
  }

  /** The counters of a policy, created on first use (undefined past `maxEntries`). */
  private policy(ref: PolicyRef): PolicyCounters | undefined {
    let p = this.policies.get(ref.name);
    if (p === undefined) {
      if (this.policies.size >= this.maxEntries) return undefined;
      const { side, agentType, method } = ref;
      this.policies.set(ref.name, (p = { side, agentType, method, retries: 0, timeouts: 0, breaker: undefined }));
    }
    return p;
  }
}
