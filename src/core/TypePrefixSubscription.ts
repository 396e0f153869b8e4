import { CantHandleError } from '../errors/CantHandleError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { AgentId } from './AgentId.js';
import type { Subscription } from './Subscription.js';
import { describeSubscription } from './describeSubscription.js';
import { nextSubscriptionId } from './subscriptionIds.js';
import type { TopicId } from './TopicId.js';

/**
 * Delivers every topic whose type starts with `topicTypePrefix` to agents of `agentType` (key =
 * topic source). `register` adds one per type with prefix `"<type>:"` for direct messages.
 *
 * @example
 * ```ts
 * await runtime.addSubscription(new TypePrefixSubscription('orders.', 'auditor'));
 * ```
 */
export class TypePrefixSubscription implements Subscription {
  /** The unique id of this subscription. */
  readonly id: string;

  constructor(
    /** The topic type prefix that matches. */
    readonly topicTypePrefix: string,
    /** The agent type that receives. */
    readonly agentType: string,
    id?: string,
  ) {
    if (typeof topicTypePrefix !== 'string' || topicTypePrefix.length === 0 || typeof agentType !== 'string' || agentType.length === 0) {
      throw new ConfigurationError('TypePrefixSubscription needs a non-empty topic type prefix and agent type.');
    }
    this.id = id ?? nextSubscriptionId();
  }

  /** True when the topic type starts with the prefix. */
  isMatch(topic: TopicId): boolean {
    return topic.type.startsWith(this.topicTypePrefix);
  }

  /** `agentType/topic.source`. */
  mapToAgent(topic: TopicId): AgentId {
    if (!this.isMatch(topic)) {
      throw new CantHandleError(`Topic "${String(topic)}" does not match prefix subscription ${this.topicTypePrefix}* → ${this.agentType}.`);
    }
    return new AgentId(this.agentType, topic.source);
  }

  /**
   * The prefix with a `*`, the agent type and the id, e.g. for prefix `orders.` and agent type
   * `auditor`: `TypePrefixSubscription(orders.*` + `/{source} → auditor/{source}, id sub-2)`.
   */
  toString(): string {
    return describeSubscription(this, `${this.topicTypePrefix}*`, this.agentType, this.id);
  }

  /** Same id, or the same prefix and agent type. */
  equals(other: Subscription): boolean {
    if (other.id === this.id) return true;
    return (
      other instanceof TypePrefixSubscription &&
      other.topicTypePrefix === this.topicTypePrefix &&
      other.agentType === this.agentType
    );
  }
}
