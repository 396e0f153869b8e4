import { subjectToken } from './subjectToken.js';

/**
 * The names of the durable event stream (distributed.md §5.1): one stream `AGENT_EVT` (limits
 * retention) holding every published message on `agent.evt.<topicTypeToken>` (the topic's source
 * travels in a header, never in a subject), read by the cluster's event router through one durable
 * consumer, `evt_router`, which fans each event out into the request stream.
 */
export const eventStream = {
  /** The stream's name. */
  stream: 'AGENT_EVT',
  /** The subjects the stream captures. */
  subjects: 'agent.evt.>',
  /** The subject of a topic type. */
  subject(topicType: string): string {
    return `agent.evt.${subjectToken(topicType)}`;
  },
  /** The event router's durable consumer. */
  router: 'evt_router',
} as const;
