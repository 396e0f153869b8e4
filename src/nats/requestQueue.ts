import { subjectToken } from './subjectToken.js';

/**
 * The names of the durable request queue (distributed.md §5.1): one work-queue stream `AGENT_IN`
 * holding every request and event addressed to an agent, on subjects `agent.in.<typeToken>.<partition>`,
 * read by one durable pull consumer per partition, `in_<typeToken>_<partition>`. Agent keys never go
 * into a subject (they are arbitrary strings): only into the `Agent-Target-Key` header and the partition.
 */
export const requestQueue = {
  /** The stream's name. */
  stream: 'AGENT_IN',
  /** The subjects the stream captures. */
  subjects: 'agent.in.>',
  /** The subject of one partition of one agent type. */
  subject(type: string, partition: number): string {
    return `agent.in.${subjectToken(type)}.${partition}`;
  },
  /** The durable consumer of one partition of one agent type. */
  consumer(type: string, partition: number): string {
    return `in_${subjectToken(type)}_${partition}`;
  },
} as const;
