import type { MessageCodec } from '../protocol/MessageCodec.js';
import type { RuntimeOptions } from '../runtime/RuntimeOptions.js';
import type { NatsConnectionOptions } from './NatsConnectionOptions.js';
import type { EventCopy } from './EventRouter.js';
import type { RequestQueueOptions } from './RequestQueueOptions.js';

/**
 * Options of `NatsAgentRuntime`: where the cluster's NATS servers are, the request queue's
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
  /**
   * How long the cluster keeps each request's answer (the TTL of the KV bucket `agent_results`), in ms
   * (≥ 1000): the horizon within which a caller that restarted recovers an answer with
   * `runtime.resultOf(requestId)`, and a redelivered or re-sent request is answered from the store
   * instead of running again. Fixed when the bucket is created, the same for every process: a
   * different value fails `ready()` with a `ConfigurationError` (to change it, stop the cluster and
   * delete the bucket, `nats kv rm agent_results`). Default: the existing bucket's TTL, else 24 h.
   */
  readonly resultTtlMs?: number;
  /**
   * Retry handler errors marked `retriable: true` (an own or inherited `retriable` property, as the
   * wire's error carries it) by redelivery instead of answering them: the request is nak'ed and
   * delivered again — to this worker or, after a crash, another — after `redeliveryDelaysMs`, and
   * once its deliveries reach `maxDeliver` it is dead-lettered (`AGENT_DLQ`) and its caller answered
   * with a `DeadLetteredError`. A failure is answered at once when the caller's deadline would pass
   * before the next delivery. Other handler errors are always answered, as in-process. Prefer
   * `@retry` on the handler for quick retries within one delivery; this survives worker crashes
   * and spaces attempts out. Default false.
   */
  readonly redeliverRetriableErrors?: boolean;
  /**
   * With `redeliverRetriableErrors`: the delay before the 2nd, 3rd, … delivery, in ms (the last one
   * repeats). Default `[1000, 5000, 30000, 120000]`.
   */
  readonly redeliveryDelaysMs?: readonly number[];
  /**
   * How long a request to an agent type this process does not host may stay accepted (stored by the
   * broker) without any process picking it up, in ms; then the caller gives it up with
   * `UnavailableError` — a signal for the caller-side breaker that every worker of the type is down
   * or backlogged. The request stays in the stream (give requests a `timeout`, so a late worker
   * drops them unrun). `false`: no limit. Default 30 000.
   */
  readonly pickupTimeoutMs?: number | false;
  /**
   * How long to wait for the broker to acknowledge a request (its PubAck) before publishing it again
   * with the same `Nats-Msg-Id` (the broker stores it once; up to 3 more tries, logged), in ms. Default 2000.
   */
  readonly publishTimeoutMs?: number;
  /**
   * Whether this process may be the cluster's event router, which fans published messages out to
   * their subscribers' partitions (one router routes at a time, through a lease; another takes over
   * when it dies). Default true.
   */
  readonly routeEvents?: boolean;
  /**
   * How long `stop()` lets the turns already running finish — their answers stored and acked — before
   * it stops at once, in ms (like Dapr's `drainOngoingCallTimeout`); meanwhile the partitions go to
   * the other workers one by one as they become idle. Keep it below the process supervisor's grace
   * period (Kubernetes: `terminationGracePeriodSeconds`, 30 s by default), so the process is not
   * killed mid-drain. 0: `stop()` stops at once, as the in-process runtime's does. Default 10 000.
   */
  readonly drainTimeoutMs?: number;
  /**
   * Emit a `clusterSnapshot` event (see `runtime.clusterSnapshot()`) every this many ms on the
   * runtime's clock, from when the runtime is ready until it stops. Each reads the broker (a few
   * requests per partition of every agent type): minutes, not milliseconds. Default: none (opt-in).
   */
  readonly snapshotIntervalMs?: number;
  /**
   * Keep the state of agents created by factories in the cluster's KV bucket `agent_state` (unless
   * `stateStore` names another store): loaded when an agent is activated on the worker owning its
   * partition, saved per `stateSaving` (default: at the end of each turn that changed it, before the
   * request is answered) with compare-and-set on the revision and only under a fresh partition lease,
   * so a stale owner's write is refused and its turn not committed. `false`: state lives only in the
   * agents of the process serving them (lost when their partition moves). Default true.
   */
  readonly persistAgentState?: boolean;
  /** Called by this process's event router after it stored each subscriber's copy of a published message, before the next; the fan-out waits for what it returns. */
  readonly onEventCopied?: (copy: EventCopy) => void | Promise<void>;
}
