import type { BulkheadOptions, BulkheadPolicy } from '../policies/BulkheadPolicy.js';
import type { CircuitBreakerOptions } from '../policies/CircuitBreakerOptions.js';
import type { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import type { RetryOptions } from '../policies/RetryOptions.js';
import type { RetryPolicy } from '../policies/RetryPolicy.js';
import type { TimeoutSpec } from '../policies/TimeoutOptions.js';
import type { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import type { AgentId } from './AgentId.js';
import type { TopicId } from './TopicId.js';

/** A caller-side fallback: other recipients to try in order, or a function producing the answer ("solo execution"). */
export type SendFallback = AgentId | readonly AgentId[] | ((error: unknown, message: unknown) => unknown);

/**
 * Options of `sendMessage`. Inside a handler, the signal and deadline of the handler's own request
 * are inherited (cancelling or timing out the outer request cancels the nested ones) and `sender`
 * defaults to the running agent.
 *
 * The policy options apply around the call from the sender's side, nested as fallback → retry →
 * bulkhead → circuit breaker → timeout (per attempt) → one delivery, exactly like the handler
 * decorators (the same pipeline runs both). Option literals are turned into policies once per
 * recipient and reused while the options stay the same, so a fresh `{ retry: { maxRetries: 3 } }`
 * on every call costs no more than a shared `RetryPolicy`; breakers, bulkheads and adaptive
 * timeouts made from options are kept per recipient (created from the first options seen).
 */
export interface SendOptions {
  /** The sending agent; defaults to the agent whose handler is running, if any. */
  sender?: AgentId;
  /** Use this message id instead of a generated one (retries keep it). */
  messageId?: string;
  /** Cancels the request: it rejects with `CancelledError` and the handler's `ctx.signal` aborts. */
  signal?: AbortSignal;
  /**
   * Time limit per attempt in milliseconds (`TimeoutError` when exceeded), or an adaptive spec
   * (`{ adaptive: {…} }`, learned per recipient), or a shared `TimeoutPolicy`.
   */
  timeout?: number | TimeoutSpec | TimeoutPolicy;
  /** Retry failed attempts (options, or a shared `RetryPolicy`). Attempts keep the message id. */
  retry?: RetryOptions | RetryPolicy;
  /** Fail fast while the recipient keeps failing. Options create one breaker per recipient, kept by the runtime; or pass a shared `CircuitBreakerPolicy`. */
  circuitBreaker?: CircuitBreakerOptions | CircuitBreakerPolicy;
  /** Cap the attempts in flight to the recipient. Options create one bulkhead per recipient; or pass a shared `BulkheadPolicy`. */
  bulkhead?: BulkheadOptions | BulkheadPolicy;
  /** What to do when the request finally fails (not when it is cancelled or the runtime stops). */
  fallback?: SendFallback;
  /**
   * When the request finally fails (after retries and fallbacks; not when cancelled), publish an
   * `Escalation` carrying the error and the lifecycle record to this topic, for a supervisor agent.
   */
  escalateTo?: TopicId;
}

/** Options of `publishMessage`. */
export interface PublishOptions {
  /** The publishing agent (never receives its own publish); defaults to the agent whose handler is running. */
  sender?: AgentId;
  /** Use this message id instead of a generated one. */
  messageId?: string;
}
