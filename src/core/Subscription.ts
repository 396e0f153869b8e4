import type { AgentId } from './AgentId.js';
import type { TopicId } from './TopicId.js';

/**
 * Maps published topics to recipient agents. The runtime asks every subscription whether it
 * matches a topic, and if so which agent receives the message.
 */
export interface Subscription {
  /** A unique id, used by `runtime.removeSubscription(id)`. */
  readonly id: string;
  /** True when this subscription receives messages published to `topic`. */
  isMatch(topic: TopicId): boolean;
  /** The recipient for a matching topic. @throws {@link CantHandleError} when the topic does not match. */
  mapToAgent(topic: TopicId): AgentId;
  /** True when `other` routes the same topics to the same agents (duplicates are refused). */
  equals(other: Subscription): boolean;
}
