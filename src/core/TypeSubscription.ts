import { CantHandleError } from '../errors/CantHandleError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { AgentId } from './AgentId.js';
import type { Subscription } from './Subscription.js';
import { describeSubscription } from './describeSubscription.js';
import { nextSubscriptionId } from './subscriptionIds.js';
import type { TopicId } from './TopicId.js';

/**
 * Delivers topics of exactly `topicType` to agents of `agentType`; the topic's source becomes the
 * agent key, so each source gets its own instance.
 *
 * @example
 * ```ts
 * await runtime.addSubscription(new TypeSubscription('alerts', 'pager'));
 * // publish to alerts/cluster-1 → delivered to pager/cluster-1
 * ```
 */
export class TypeSubscription implements Subscription {
  /** The unique id of this subscription. */
  readonly id: string;

  constructor(
    /** The topic type that matches. */
    readonly topicType: string,
    /** The agent type that receives. */
    readonly agentType: string,
    id?: string,
  ) {
    if (typeof topicType !== 'string' || topicType.length === 0) {
      throw new ConfigurationError('TypeSubscription needs a non-empty topic type, e.g. new TypeSubscription("default", "writer").');
    }
    if (typeof agentType !== 'string' || agentType.length === 0) {
      throw new ConfigurationError('TypeSubscription needs a non-empty agent type, e.g. new TypeSubscription("default", "writer").');
    }
    this.id = id ?? nextSubscriptionId();
  }

  /** True when the topic type equals {@link TypeSubscription.topicType}. */
  isMatch(topic: TopicId): boolean {
    return topic.type === this.topicType;
  }

  /** `agentType/topic.source`. */
  mapToAgent(topic: TopicId): AgentId {
    if (!this.isMatch(topic)) {
      throw new CantHandleError(`Topic "${String(topic)}" does not match subscription ${this.topicType} → ${this.agentType}.`);
    }
    return new AgentId(this.agentType, topic.source);
  }

  /** `TypeSubscription(reports/{source} → archive/{source}, id sub-1)`: topics of type `reports` go to `archive` agents keyed by the topic's source. */
  toString(): string {
    return describeSubscription(this, this.topicType, this.agentType, this.id);
  }

  /** Same id, or the same topic type and agent type. */
  equals(other: Subscription): boolean {
    if (other.id === this.id) return true;
    return other instanceof TypeSubscription && other.topicType === this.topicType && other.agentType === this.agentType;
  }
}
