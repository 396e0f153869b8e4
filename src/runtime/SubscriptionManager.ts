import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { AgentId } from '../core/AgentId.js';
import type { Subscription } from '../core/Subscription.js';
import type { TopicId } from '../core/TopicId.js';

const MAX_CACHED_TOPICS = 10_000;

/**
 * @internal Holds the subscriptions and resolves a topic to its recipients, each agent once even
 * when several subscriptions map the topic to it. Results are cached per topic until the
 * subscriptions change.
 */
export class SubscriptionManager {
  private readonly subscriptions: Subscription[] = [];
  private readonly cache = new Map<string, readonly AgentId[]>();

  /** @throws {@link ConfigurationError} when an equal subscription exists. */
  add(subscription: Subscription): void {
    if (this.subscriptions.some((s) => s.equals(subscription) || subscription.equals(s))) {
      throw new ConfigurationError(`Subscription already exists (id "${subscription.id}"): an equal subscription was added before.`);
    }
    this.subscriptions.push(subscription);
    this.cache.clear();
  }

  /** @throws {@link ConfigurationError} when no subscription has that id. */
  remove(id: string): void {
    const index = this.subscriptions.findIndex((s) => s.id === id);
    if (index < 0) throw new ConfigurationError(`Subscription "${id}" does not exist: nothing to remove.`);
    this.subscriptions.splice(index, 1);
    this.cache.clear();
  }

  /** Every subscription, in insertion order. */
  list(): readonly Subscription[] {
    return this.subscriptions;
  }

  /** The distinct recipients of `topic`, in subscription order. */
  recipients(topic: TopicId): readonly AgentId[] {
    const key = `${topic.type}/${topic.source}`;
    let found = this.cache.get(key);
    if (found === undefined) {
      found = this.resolve(topic);
      if (this.cache.size >= MAX_CACHED_TOPICS) this.cache.clear();
      this.cache.set(key, found);
    }
    return found;
  }

  private resolve(topic: TopicId): AgentId[] {
    const seen = new Set<string>();
    const out: AgentId[] = [];
    for (const s of this.subscriptions) {
      if (!s.isMatch(topic)) continue;
      const id = s.mapToAgent(topic);
      const text = id.toString();
      if (!seen.has(text)) {
        seen.add(text);
        out.push(id);
      }
    }
    return out;
  }
}
