import { ConfigurationError } from '../errors/ConfigurationError.js';

/**
 * Settings of the durable request queue (distributed.md §5.1). Durations in milliseconds. The
 * defaults are the production ones; tests shorten the timings.
 */
export interface RequestQueueOptions {
  /** Partitions per agent type, fixed for the cluster's life. Default 32 (≥ 10 × expected workers). */
  readonly partitions?: number;
  /** Stream replicas: 1 for a single server, 3 in production clusters. Default 1. */
  readonly replicas?: number;
  /** How long the server remembers a request id to drop a retried publish. Default 10 minutes. */
  readonly duplicateWindowMs?: number;
  /** How long an unconsumed request is kept. Default 7 days. */
  readonly maxAgeMs?: number;
  /** How long a delivery may go unacknowledged before the server redelivers it. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Deliveries of one request before it is given up (and dead-lettered). Default 5. */
  readonly maxDeliver?: number;
  /** Unacknowledged deliveries one partition may have at a time. Default 256. */
  readonly maxAckPending?: number;
}

/** {@link RequestQueueOptions} with every default filled in. */
export type ResolvedRequestQueueOptions = Required<RequestQueueOptions>;

const DEFAULTS: ResolvedRequestQueueOptions = {
  partitions: 32,
  replicas: 1,
  duplicateWindowMs: 10 * 60_000,
  maxAgeMs: 7 * 24 * 3_600_000,
  ackWaitMs: 30_000,
  maxDeliver: 5,
  maxAckPending: 256,
};

/**
 * Fills in the defaults and checks every setting is a positive integer.
 *
 * @throws {@link ConfigurationError} naming the first bad setting.
 */
export function resolveRequestQueueOptions(options: RequestQueueOptions = {}): ResolvedRequestQueueOptions {
  const resolved = { ...DEFAULTS, ...definedOnly(options) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ConfigurationError(`request queue option ${name} must be a positive integer, received ${String(value)}`);
    }
  }
  return resolved;
}

function definedOnly(options: RequestQueueOptions): RequestQueueOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
