import { subjectToken } from './subjectToken.js';

/**
 * The names of the dead-letter queue (distributed.md §5.1): one stream `AGENT_DLQ` (limits retention,
 * kept 30 days by default) holding a copy of every request given up on, on subjects
 * `agent.dlq.<typeToken>` by the recipient's agent type.
 */
export const deadLetterQueue = {
  /** The stream's name. */
  stream: 'AGENT_DLQ',
  /** The subjects the stream captures. */
  subjects: 'agent.dlq.>',
  /** The subject of the dead letters of one agent type. */
  subject(type: string): string {
    return `agent.dlq.${subjectToken(type)}`;
  },
  /**
   * The subject of the notes saying a dead letter on `subject` was settled (replayed or removed),
   * `agent.dlq.<typeToken>.settled`: one token deeper than any dead letter's, so never one.
   */
  settledSubject(subject: string): string {
    return `${subject}.settled`;
  },
  /** True for a settled note's subject (see {@link deadLetterQueue.settledSubject}). */
  isSettledSubject(subject: string): boolean {
    return subject.split('.').length === 4 && subject.endsWith('.settled');
  },
} as const;
