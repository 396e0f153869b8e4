/**
 * What a distributed runtime sees of its cluster at one instant (`NatsAgentRuntime.clusterSnapshot()`,
 * and the `clusterSnapshot` event): which workers serve each agent type, who owns each partition and
 * how much waits there, the dead letters kept, and this process's caller-side breakers. Plain,
 * JSON-ready data, for dashboards and alerts.
 */
export interface ClusterSnapshot {
  /** When it was taken, on the runtime's clock (ms). */
  readonly at: number;
  /** The same instant as wall-clock time (epoch ms). */
  readonly wallTime: number;
  /** The process that took it. */
  readonly workerId: string;
  /** Every agent type the cluster knows (hosted now, or announced by a process that hosted it), by name. */
  readonly agentTypes: Readonly<Record<string, AgentTypeSnapshot>>;
  /** Requests kept in the cluster's dead-letter stream (its depth). */
  readonly deadLetters: number;
  /** This process's caller-side breakers (the `circuitBreaker` send option), per recipient. */
  readonly breakers: readonly CallerBreakerSnapshot[];
}

/** One agent type in a {@link ClusterSnapshot}. */
export interface AgentTypeSnapshot {
  /** The workers that serve it now (they renewed their presence within the lease TTL), by id. */
  readonly workers: readonly string[];
  /** Its partitions, in order. */
  readonly partitions: readonly PartitionSnapshot[];
  /** Requests waiting or in flight over all its partitions. */
  readonly pending: number;
}

/** One partition of an agent type in a {@link ClusterSnapshot}. */
export interface PartitionSnapshot {
  readonly partition: number;
  /** The worker holding its lease, if any (none: nobody serves it now; its requests wait). */
  readonly owner: string | undefined;
  /** Requests stored and not yet delivered (the consumer's `num_pending`). */
  readonly waiting: number;
  /** Requests delivered and not yet acknowledged — running, or about to be redelivered (`num_ack_pending`). */
  readonly inFlight: number;
}

/** A caller-side breaker in a {@link ClusterSnapshot}. */
export interface CallerBreakerSnapshot {
  /** The recipient it guards, `type/key`. */
  readonly recipient: string;
  /** `closed`, `open`, `half-open` or `isolated`. */
  readonly state: string;
}
