/**
 * A partition lease this process holds: the right to run the handlers of one partition of one agent
 * type (distributed.md §5.1, `agent_leases`). `revision` is the KV revision of the last successful
 * write; it doubles as the fencing epoch (it only grows).
 */
export interface PartitionLease {
  /** The agent type. */
  readonly type: string;
  /** The partition, `0 … partitions − 1`. */
  readonly partition: number;
  /** The lease's KV key. */
  readonly key: string;
  /** The KV revision of the last acquire or renew (the fencing epoch). */
  readonly revision: number;
  /** When (runtime clock, ms) that acquire or renew succeeded: freshness is measured from here. */
  readonly renewedAt: number;
}

/** What the lease bucket says about a partition: who holds it, since which revision. */
export interface LeaseHolder {
  readonly worker: string;
  readonly revision: number;
}
