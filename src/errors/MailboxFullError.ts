import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/**
 * The recipient's mailbox was full (its agent type is registered with `mailbox: { capacity }` and
 * `whenFull: 'reject'`): the message was not queued. A request rejects with it; a published copy
 * becomes a dead letter. Retrying with backoff is the usual answer (a caller-side `retry` does).
 */
export class MailboxFullError extends AgentwireError {
  /** Always `'MAILBOX_FULL'`. */
  readonly code = 'MAILBOX_FULL' as const;
  /** The most messages the mailbox holds. */
  readonly capacity: number;

  constructor(capacity: number, context: AgentwireErrorContext = {}) {
    const who = context.agentId === undefined ? 'The mailbox' : `The mailbox of ${String(context.agentId)}`;
    super(
      `${who} is full (${capacity} messages waiting); the message was not queued. Retry with backoff, raise the agent type's mailbox capacity, or register it with mailbox: { whenFull: 'wait' } to make senders wait for room.`,
      context,
    );
    this.capacity = capacity;
  }
}
