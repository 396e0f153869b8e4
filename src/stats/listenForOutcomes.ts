import type { AgentRuntime } from '../core/AgentRuntime.js';
import type { DeadLetterRecord } from '../core/DeadLetterRecord.js';
import type {
  BreakerEvent,
  FailureReason,
  RequestEndEvent,
  RuntimeRetryEvent,
  RuntimeTimeoutEvent,
  SendEvent,
} from '../core/RuntimeEvents.js';

/** @internal The policy a retry or timeout comes from. */
export interface PolicyRef {
  /** Named as breakers are: `type.method` for a decorated handler's policies, `type/key` for the send options of requests to that agent. */
  readonly name: string;
  readonly side: 'handler' | 'caller';
  readonly agentType: string;
  /** The handler method, handler side. */
  readonly method: string | undefined;
}

/** @internal What the stats collectors are told: the runtime's events, reduced to the facts they count. */
export interface OutcomeSink {
  /** A request to an agent of `agentType` was sent (counted once, however often it is resent). */
  requestStarted(agentType: string): void;
  /**
   * The request ended for its caller: `reason` undefined for a success; `durationMs` from its first
   * send, undefined for a request refused before it was sent (or sent before listening began).
   */
  requestEnded(agentType: string, reason: FailureReason | undefined, durationMs: number | undefined): void;
  /** A retry follows. */
  retried(policy: PolicyRef): void;
  /** An attempt or a delivery exceeded its limit. */
  timedOut(policy: PolicyRef): void;
  /** A breaker changed state. */
  breakerChanged(event: BreakerEvent): void;
  /** A message was recorded as a dead letter. */
  deadLettered(agentType: string): void;
}

/**
 * The policy an event comes from, named as breakers are: `type.method` for a decorated handler's
 * policies, `type/key` for the send options of requests to that agent (the caller-side breaker is
 * kept per recipient); `type` when the handler method is not known.
 */
function policyOf(e: RuntimeRetryEvent | RuntimeTimeoutEvent): PolicyRef {
  const { side, agentId, method } = e;
  const agentType = agentId.type;
  if (side === 'caller') return { name: String(agentId), side, agentType, method: undefined };
  return { name: method === undefined ? agentType : `${agentType}.${method}`, side, agentType, method };
}

/**
 * @internal Listens to a runtime's public events and tells `sink` of each request's start and end
 * (with its latency, from its first send to its end, on the runtime's clock; a request refused
 * before any send is counted but not timed), retries, timeouts, breaker transitions and dead
 * letters. Works with any `AgentRuntime`: it reads nothing but `runtime.events`. Only requests in
 * flight are remembered (their start time), so memory follows the traffic in flight, not the
 * traffic seen. Returns the function that stops listening.
 */
export function listenForOutcomes(runtime: AgentRuntime, sink: OutcomeSink): () => void {
  const started = new Map<string, number>();
  const onSend = (e: SendEvent): void => {
    if (started.has(e.messageId)) return; // a resend (caller-side retry, reassignment): same request
    started.set(e.messageId, e.at);
    sink.requestStarted(e.recipient.type);
  };
  const onEnd = (e: RequestEndEvent): void => {
    const at = started.get(e.messageId);
    if (at === undefined) sink.requestStarted(e.recipient.type); // refused before it was ever sent
    else started.delete(e.messageId);
    sink.requestEnded(e.recipient.type, e.ok ? undefined : (e.reason ?? 'error'), at === undefined ? undefined : e.at - at);
  };
  const onRetry = (e: RuntimeRetryEvent): void => sink.retried(policyOf(e));
  const onTimeout = (e: RuntimeTimeoutEvent): void => sink.timedOut(policyOf(e));
  const onBreaker = (e: BreakerEvent): void => sink.breakerChanged(e);
  const onDeadLetter = (record: DeadLetterRecord): void => sink.deadLettered(record.recipient.type);
  const events = runtime.events;
  events.on('send', onSend).on('requestEnd', onEnd).on('retry', onRetry).on('timeout', onTimeout).on('breaker', onBreaker).on('deadLetter', onDeadLetter);
  return () => {
    events.off('send', onSend).off('requestEnd', onEnd).off('retry', onRetry).off('timeout', onTimeout).off('breaker', onBreaker).off('deadLetter', onDeadLetter);
    started.clear();
  };
}
