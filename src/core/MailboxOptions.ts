/**
 * A bound on an agent's mailbox (option `mailbox` of `registerFactory`, `register` and
 * `registerInstance`). Messages that re-enter their own call chain bypass the mailbox and are never
 * turned away (that would deadlock the chain).
 */
export interface MailboxOptions {
  /**
   * The most messages one instance's mailbox holds (a whole number ≥ 1; default `Infinity`). A
   * message that timed out or was cancelled while queued keeps its place until the agent reaches it.
   */
  capacity: number;
  /**
   * What a message does when the mailbox is full. `'reject'` (default): it fails at once with
   * `MailboxFullError` — a request rejects, a published copy becomes a dead letter. `'wait'`: it
   * waits, in arrival order, for room; a request's timeout and signal apply while it waits, and
   * `publishMessage` resolves only once every copy has room, so a producer that awaits it runs at
   * the consumer's pace.
   */
  whenFull?: 'reject' | 'wait';
}

/** Options every way of registering an agent type accepts. */
export interface AgentTypeOptions {
  /**
   * How many messages one instance may handle at once. Default 1: turn-based, one message at a
   * time in arrival order. Raise it for AutoGen's interleaving behaviour (bounded).
   */
  concurrency?: number;
  /** Bound each instance's mailbox (default: unbounded). */
  mailbox?: MailboxOptions;
}
