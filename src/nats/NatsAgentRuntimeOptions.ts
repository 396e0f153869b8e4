import type { MessageCodec } from '../protocol/MessageCodec.js';
import type { RuntimeOptions } from '../runtime/RuntimeOptions.js';
import type { NatsConnectionOptions } from './NatsConnectionOptions.js';
import type { EventCopy } from './EventRouter.js';
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
   * bucket is created). A worker renews every third of it on the runtime's clock; a dead worker's partitions are taken
   * over after at most about this long. Default 10 000.
   */
  readonly leaseTtlMs?: number;
  /**
   * Whether this process may be the cluster's event router, which fans published messages out to
   * their subscribers' partitions (one router routes at a time, through a lease; another takes over
   * when it dies). Default true.
   */
  readonly routeEvents?: boolean;
  /** Called by this process's event router after it stored each subscriber's copy of a published message, before the next; the fan-out waits for what it returns. */
  readonly onEventCopied?: (copy: EventCopy) => void | Promise<void>;
}
