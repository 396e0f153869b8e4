import type { AgentId } from './AgentId.js';
import type { TopicId } from './TopicId.js';

/** A message that ended without its outcome reaching anyone, kept so it can be inspected and replayed. */
export interface DeadLetterRecord {
  /** The record's own id (for `replay` and `remove`). */
  readonly id: string;
  /** The id of the message. */
  readonly messageId: string;
  /** The message itself. */
  readonly message: unknown;
  /** Who it was for. */
  readonly recipient: AgentId;
  /** The topic, for published messages. */
  readonly topicId?: TopicId;
  /** Who sent it. */
  readonly sender?: AgentId;
  /** Why it failed. */
  readonly error: unknown;
  /** How many handler attempts were made (0 when it never reached a handler). */
  readonly attempts: number;
  /** When it was recorded (runtime clock). */
  readonly at: number;
}
