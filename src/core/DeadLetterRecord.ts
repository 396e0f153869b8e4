import { describeValue } from '../util/describeValue.js';
import { countOf } from '../util/countOf.js';
import { typeName } from '../util/typeName.js';
import type { AgentId } from './AgentId.js';
import type { TopicId } from './TopicId.js';

/** @internal What the runtime records of a dead letter; the queue adds the record's id. */
export type DeadLetterFields = Omit<DeadLetterRecord, 'id' | 'toString'>;

/**
 * A message that ended without its outcome reaching anyone, kept so it can be inspected and
 * replayed. `String(record)` reads `dl-1: ReportPublished for archive/default on reports/default,
 * 1 attempt: Error: archive disk full`.
 */
export class DeadLetterRecord {
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
  /** When it was recorded, as wall-clock time (epoch ms). */
  readonly wallTime: number;

  /** @internal */
  constructor(
    /** The record's own id (for `replay` and `remove`). */
    readonly id: string,
    fields: DeadLetterFields,
  ) {
    this.messageId = fields.messageId;
    this.message = fields.message;
    this.recipient = fields.recipient;
    if (fields.topicId !== undefined) this.topicId = fields.topicId;
    if (fields.sender !== undefined) this.sender = fields.sender;
    this.error = fields.error;
    this.attempts = fields.attempts;
    this.at = fields.at;
    this.wallTime = fields.wallTime;
  }

  /** `dl-1: ReportPublished for archive/default on reports/default, 1 attempt: Error: archive disk full`. */
  toString(): string {
    const topic = this.topicId === undefined ? '' : ` on ${String(this.topicId)}`;
    const attempts = countOf(this.attempts, 'attempt');
    return `${this.id}: ${typeName(this.message)} for ${String(this.recipient)}${topic}, ${attempts}: ${describeValue(this.error)}`;
  }
}
