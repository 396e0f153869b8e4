import type { AgentId } from './AgentId.js';

/**
 * Options of `sendMessage`. Inside a handler, `signal`, `deadline` and `sender` are inherited from
 * the handler's own request unless given: cancelling or timing out the outer request cancels the
 * nested ones.
 */
export interface SendOptions {
  /** The sending agent; defaults to the agent whose handler is running, if any. */
  sender?: AgentId;
  /** Use this message id instead of a generated one (e.g. to correlate with an external system). */
  messageId?: string;
  /** Cancels the request: it rejects with `CancelledError` and the handler's `ctx.signal` aborts. */
  signal?: AbortSignal;
  /** Time limit for the whole request in milliseconds; it rejects with `TimeoutError` when exceeded. */
  timeout?: number;
}

/** Options of `publishMessage`. */
export interface PublishOptions {
  /** The publishing agent (never receives its own publish); defaults to the agent whose handler is running. */
  sender?: AgentId;
  /** Use this message id instead of a generated one. */
  messageId?: string;
}
