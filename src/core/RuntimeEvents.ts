import type { AgentId } from './AgentId.js';
import type { ClusterSnapshot } from './ClusterSnapshot.js';
import type { DeadLetterRecord } from './DeadLetterRecord.js';
import type { TopicId } from './TopicId.js';

/**
 * When an event happened, twice: `at` on the runtime's clock (monotonic, for measuring; a
 * `SimulatedClock`'s time in tests) and `wallTime`, the same instant as wall-clock time (epoch
 * milliseconds, for people and logs: `new Date(event.wallTime).toISOString()`).
 */
export interface EventTime {
  /** Runtime clock time (ms; only differences matter). */
  readonly at: number;
  /** The same instant as wall-clock time, in epoch milliseconds (the clock's `toWallTime`). */
  readonly wallTime: number;
}

/** Why a request ended without a value. */
export type FailureReason =
  | 'error'
  | 'timeout'
  | 'cancelled'
  | 'rejected'
  | 'circuit-open'
  | 'stopped'
  | 'dropped'
  | 'unhandled'
  | 'construction'
  | 'validation'
  | 'undeliverable'
  | 'bulkhead-full'
  | 'mailbox-full'
  | 'dead-lettered';

/** Acknowledgment levels of a request, in the order they happen. */
/**
 * An acknowledgment level: `accepted` (a broker stored the request durably — reported by distributed
 * runtimes such as `NatsAgentRuntime`, for requests another process serves), `received` (the
 * recipient dequeued it), `processing` (an attempt of the handler started), then `completed` or `failed`.
 */
export type AckLevel = 'accepted' | 'received' | 'processing' | 'completed' | 'failed';

/** An acknowledgment: the recipient dequeued, started, finished or failed a message. */
export interface AckEvent extends EventTime {
  readonly messageId: string;
  readonly level: AckLevel;
  readonly recipient: AgentId;
  readonly sender: AgentId | undefined;
  readonly isRpc: boolean;
  /** The attempt, on `processing` (1 = first). */
  readonly attempt: number;
  /** On `failed`: why. */
  readonly reason?: FailureReason;
  /** On `failed`: the error. */
  readonly error?: unknown;
}

/** A direct message (request) was accepted for delivery. */
export interface SendEvent extends EventTime {
  readonly messageId: string;
  readonly message: unknown;
  readonly sender: AgentId | undefined;
  readonly recipient: AgentId;
  /** The request whose handler sent this one, if any (the call chain). */
  readonly parentMessageId: string | undefined;
  /** 1 for the first delivery; caller-side retries send the same message id again with 2, 3, … */
  readonly attempt: number;
  /** True when caller-side retries or fallbacks may send this message id again after a failure. */
  readonly resendable: boolean;
}

/** A request ended for its caller, for good: once per request, after every caller-side retry and fallback (also for one refused before delivery). */
export interface RequestEndEvent extends EventTime {
  readonly messageId: string;
  readonly ok: boolean;
  /** The recipient the caller addressed (a `fallback` send option may have reassigned the request since). */
  readonly recipient: AgentId;
  readonly error?: unknown;
  /** When not `ok`: why the request failed. */
  readonly reason?: FailureReason;
}

/** A message was published; `recipients` lists who it was queued for. */
export interface PublishEvent extends EventTime {
  readonly messageId: string;
  readonly message: unknown;
  readonly sender: AgentId | undefined;
  readonly topicId: TopicId;
  readonly recipients: readonly AgentId[];
}

/** A request's response reached its sender. */
export interface ResponseEvent extends EventTime {
  readonly messageId: string;
  readonly value: unknown;
  /** The agent that answered. */
  readonly responder: AgentId;
  /** The original sender. */
  readonly recipient: AgentId | undefined;
  /** The attempt that succeeded (1 = first; counts handler-side and caller-side retries). */
  readonly attempt: number;
  /** How long the turn took, from the recipient's dequeue to the response (runtime clock, rounded to the microsecond). */
  readonly durationMs: number;
}

/** A handler threw (for requests the error also went to the sender). */
export interface HandlerErrorEvent extends EventTime {
  readonly messageId: string;
  readonly agentId: AgentId;
  readonly error: unknown;
  readonly isRpc: boolean;
  readonly topicId: TopicId | undefined;
  readonly message: unknown;
}

/** No handler of the recipient accepted the message. */
export interface UnhandledEvent extends EventTime {
  readonly messageId: string;
  readonly agentId: AgentId;
  readonly message: unknown;
  readonly isRpc: boolean;
}

/** A publish reached no subscriber. */
export interface UndeliveredEvent extends EventTime {
  readonly messageId: string;
  readonly message: unknown;
  readonly topicId: TopicId;
  readonly sender: AgentId | undefined;
}

/** An intervention handler dropped a message or a response. */
export interface DroppedEvent extends EventTime {
  readonly messageId: string;
  readonly message: unknown;
  readonly stage: 'send' | 'publish' | 'response';
}

/** A handler reported progress with `ctx.reportStatus`. */
export interface StatusEvent extends EventTime {
  readonly messageId: string;
  readonly agentId: AgentId;
  readonly sender: AgentId | undefined;
  readonly etaMs?: number;
  readonly detail?: string;
  readonly progress?: number;
}

/** A handler finished after its request had already ended (timed out, cancelled, stopped): the result was discarded. */
export interface LateResultEvent extends EventTime {
  readonly messageId: string;
  readonly agentId: AgentId;
  readonly outcome: 'value' | 'error';
  readonly value?: unknown;
  readonly error?: unknown;
}

/** An agent instance was created. */
export interface AgentCreatedEvent extends EventTime {
  readonly agentId: AgentId;
}

/**
 * Why an agent instance was deactivated: `idle` (passivated after `passivateAfterMs` without a
 * message), `released` (a distributed runtime handed its partition to another worker), `lost` (its
 * partition's lease was lost: its in-memory state may be stale, so it is not saved), `stale` (the
 * state store refused its write: another owner saved it since) or `unsaved` (saving its state at the
 * end of a turn failed: the copy is ahead of the store, and the turn is not committed).
 */
export type AgentDeactivationReason = 'idle' | 'released' | 'lost' | 'stale' | 'unsaved';

/** An agent instance was dropped from memory (its next message re-creates it, loading its stored state). */
export interface AgentDeactivatedEvent extends EventTime {
  readonly agentId: AgentId;
  readonly reason: AgentDeactivationReason;
  /** True when the state store holds its latest state (saved now, or unchanged since the last save). */
  readonly saved: boolean;
}

/** A dead-letter record was evicted because the queue reached its capacity. */
export interface DeadLetterEvictedEvent {
  readonly record: DeadLetterRecord;
  readonly capacity: number;
}

/** A dead letter is being replayed (`runtime.deadLetters.replay(id)`): its message goes to its recipient again. */
export interface DeadLetterReplayedEvent extends EventTime {
  /** The record replayed (no longer in the queue). */
  readonly record: DeadLetterRecord;
}

/** A retry is about to happen (handler-side or caller-side). */
export interface RuntimeRetryEvent extends EventTime {
  readonly messageId: string;
  /** The agent whose handling failed (the recipient). */
  readonly agentId: AgentId;
  /** The request's sender. */
  readonly sender: AgentId | undefined;
  /** The attempt that failed (1 = first). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
  readonly side: 'handler' | 'caller';
  /** Handler side: the decorated handler method whose `@retry` retries. */
  readonly method?: string;
}

/** An attempt timed out. */
export interface RuntimeTimeoutEvent extends EventTime {
  readonly messageId: string;
  readonly agentId: AgentId;
  readonly attempt: number;
  readonly timeoutMs: number;
  readonly side: 'handler' | 'caller';
  /** Handler side: the decorated handler method whose `@timeout` fired. */
  readonly method?: string;
}

/** A circuit breaker changed state. */
export interface BreakerEvent extends EventTime {
  /**
   * The breaker's name: `type.method` for a handler breaker shared by the type, `type/key.method`
   * for an instance-scoped one, `type/key` for a caller-side breaker kept per recipient.
   */
  readonly breaker: string;
  /** Handler-side (decorator) or caller-side (send option). */
  readonly side: 'handler' | 'caller';
  /** The agent type it guards. */
  readonly agentType: string;
  /** The agent, for instance-scoped and caller-side breakers. */
  readonly agentId: AgentId | undefined;
  /** The handler method, for handler breakers. */
  readonly method: string | undefined;
  readonly from: string;
  readonly to: string;
}

/**
 * A distributed runtime's connection to its broker changed (`NatsAgentRuntime`: its NATS connection).
 * The client reconnects on its own; once `reconnected`, pulls, subscriptions, watches and lease
 * renewals resume, and requests accepted before the break are answered.
 */
export interface ConnectionEvent extends EventTime {
  /** `disconnected`: the connection broke (reconnecting); `reconnected`: it is back. */
  readonly status: 'disconnected' | 'reconnected';
  /** The server lost or reconnected to. */
  readonly server: string;
}

/**
 * Every event `runtime.events` emits, with its listener signature.
 *
 * @example
 * ```ts
 * runtime.events.on('ack', (ack) => console.log(ack.messageId, ack.level));
 * ```
 */
export interface RuntimeEventMap {
  send: (event: SendEvent) => void;
  requestEnd: (event: RequestEndEvent) => void;
  publish: (event: PublishEvent) => void;
  ack: (event: AckEvent) => void;
  response: (event: ResponseEvent) => void;
  handlerError: (event: HandlerErrorEvent) => void;
  unhandled: (event: UnhandledEvent) => void;
  undelivered: (event: UndeliveredEvent) => void;
  dropped: (event: DroppedEvent) => void;
  status: (event: StatusEvent) => void;
  lateResult: (event: LateResultEvent) => void;
  agentCreated: (event: AgentCreatedEvent) => void;
  agentDeactivated: (event: AgentDeactivatedEvent) => void;
  deadLetter: (record: DeadLetterRecord) => void;
  deadLetterEvicted: (event: DeadLetterEvictedEvent) => void;
  deadLetterReplayed: (event: DeadLetterReplayedEvent) => void;
  retry: (event: RuntimeRetryEvent) => void;
  timeout: (event: RuntimeTimeoutEvent) => void;
  breaker: (event: BreakerEvent) => void;
  /** Distributed runtimes: the connection to the broker broke or came back. */
  connection: (event: ConnectionEvent) => void;
  /** Distributed runtimes: a snapshot of the cluster, on request or periodically (opt-in). */
  clusterSnapshot: (snapshot: ClusterSnapshot) => void;
}
