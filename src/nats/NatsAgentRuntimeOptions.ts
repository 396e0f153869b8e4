import type { MessageCodec } from '../protocol/MessageCodec.js';
import type { RuntimeOptions } from '../runtime/RuntimeOptions.js';
import type { NatsConnectionOptions } from './NatsConnectionOptions.js';
import type { RequestQueueOptions } from './RequestQueueOptions.js';

/**
 * Options of `NatsAgentRuntime` (preview): where the cluster's NATS servers are, the request queue's
 * settings (every process of a cluster must agree on `partitions`), and the in-process runtime's
 * options, which apply to the agent types this process hosts.
 */
export interface NatsAgentRuntimeOptions extends NatsConnectionOptions, RequestQueueOptions, RuntimeOptions {
  /** This process's id in replies (`Agent-Worker`) and, later, partition leases. Default: a random UUID. */
  readonly workerId?: string;
  /**
   * Encodes messages and answers for the wire: register every message class that crosses processes
   * (plain JSON values need no registration). Default: an empty codec.
   */
  readonly codec?: MessageCodec;
  /** How long one pull waits for requests before asking again, in ms (a short wait lets a frozen worker stop attracting work). Default 2000. */
  readonly pullExpiresMs?: number;
  /**
   * How long a partition lease lives without renewal, in ms (≥ 1000; the `agent_leases` bucket's TTL, fixed when the
   * bucket is created, the same for every worker: a different value fails `ready()` with a `ConfigurationError`).
   * A worker renews every third of it on the runtime's clock; a dead worker's partitions are taken over after at most
   * about this long. Default: the existing bucket's TTL, else 10 000.
   */
  readonly leaseTtlMs?: number;
}
