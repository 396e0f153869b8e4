import type { AgentId } from './AgentId.js';
import type { Replies, ReplyOf } from './Replies.js';
import type { PublishOptions, SendOptions } from './SendOptions.js';
import type { TopicId } from './TopicId.js';

/** A progress report from a running handler (the seeds' status message). */
export interface StatusReport {
  /** Estimated milliseconds until the handler finishes. */
  readonly etaMs?: number;
  /** Free-form detail for people. */
  readonly detail?: string;
  /** Fraction done, 0..1. */
  readonly progress?: number;
}

/**
 * What a handler knows about the message it is handling. Passed as the second argument of every
 * handler.
 */
export interface MessageContext {
  /** The sending agent, or `undefined` for messages from outside any agent. */
  readonly sender: AgentId | undefined;
  /** The agent handling the message. */
  readonly recipient: AgentId;
  /** The topic for published messages; `undefined` for direct sends. */
  readonly topicId: TopicId | undefined;
  /** True for `sendMessage` (request–response), false for `publishMessage`. */
  readonly isRpc: boolean;
  /** The id of the message; retries of one request keep it, so handlers can deduplicate. */
  readonly messageId: string;
  /**
   * Aborted when the request is cancelled by its caller, times out, or the runtime stops. Created
   * on first read, so handlers that never look at it pay nothing.
   */
  readonly signal: AbortSignal;
  /**
   * 1 for the first attempt, 2 for the first retry, and so on. Handler-side retries count up within
   * one delivery; a caller-side resend starts from the caller's attempt number (with retries on both
   * sides a number can come twice: deduplicate on `messageId`, not on the attempt).
   */
  readonly attempt: number;
  /** The time (on the runtime's clock) by which the request must finish, if it has a limit. */
  readonly deadline: number | undefined;
  /** Reports progress to the sender and to runtime listeners (`status` events). */
  reportStatus(status: StatusReport): void;
  /**
   * Refuses the request as out of scope (distinct from failing): throws a `RejectedError` that the
   * sender receives; a caller-side `fallback` then reassigns the request to the next recipient.
   */
  reject(reason: string, detail?: string): never;
  /**
   * Sends a request as the handling agent, as part of this request's call chain: it inherits this
   * request's signal and deadline, and a call back into this agent runs at once (reentrancy).
   * `this.sendMessage` inside a turn-based agent's handler does the same.
   */
  sendMessage<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): Promise<ReplyOf<M>>;
  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R>;
  /** Publishes as the handling agent (`DefaultTopicId()` takes this agent's key as source). */
  publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void>;
  /**
   * Runs the side effect `fn` once per `key` (effectively-once): if an outcome is recorded for
   * `key`, resolves with it without running `fn`; otherwise runs `fn`, records what it returns and
   * resolves with that. Handlers may run more than once (a retry, a redelivery after a worker died):
   * wrap what must not happen twice — a payment, an email, a write elsewhere — and use a key that
   * names the effect, e.g. `` `${ctx.messageId}/charge` ``.
   *
   * Where outcomes are kept is the runtime's `onceStore`: in-process, this process's memory (bounded:
   * the oldest keys are forgotten, see `MemoryOnceStore`); in `NatsAgentRuntime`, the KV bucket
   * `agent_idem` every worker shares, the value stored as JSON (return plain data; a replay gets the
   * JSON copy). A `fn` that throws records nothing (the next call runs it again). `fn` itself is
   * at-least-once when a process dies between `fn` and its record: pass `key` on to the system `fn`
   * acts on when even that must not repeat it.
   *
   * @throws `FencedError` (NatsAgentRuntime) when this worker lost its lease on the agent's partition:
   *   `fn` did not run; the request is left to the partition's new owner.
   */
  once<T>(key: string, fn: () => T | Promise<T>): Promise<T>;
}
