import { CallbackError } from '../errors/CallbackError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { AgentId } from '../core/AgentId.js';
import { describeValue } from '../util/describeValue.js';
import type { Subscription } from '../core/Subscription.js';
import type { TopicId } from '../core/TopicId.js';

const MAX_CACHED_TOPICS = 10_000;

/**
 * @internal Holds the subscriptions and resolves a topic to its recipients, each agent once even
 * when several subscriptions map the topic to it. Results are cached per topic until the
 * subscriptions change. A custom subscription whose callbacks throw or answer with something other
 * than an `AgentId` fails the publish that asked, with a typed error, before anything is delivered.
 */
export class SubscriptionManager {
  private readonly subscriptions: Subscription[] = [];
  private readonly cache = new Map<string, readonly AgentId[]>();

  /** @throws {@link ConfigurationError} when `subscription` is not one, or an equal subscription exists; {@link CallbackError} when its `equals` throws. */
  add(subscription: Subscription): void {
    checkSubscription(subscription);
    const existing = this.subscriptions.find((s) => ask(s, 'equals', subscription) || ask(subscription, 'equals', s));
    if (existing !== undefined) {
      throw new ConfigurationError(
        `An equal subscription already exists: ${String(existing)} (id "${existing.id}"). Remove it first with removeSubscription("${existing.id}") to replace it, or keep it.`,
      );
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
      if (!ask(s, 'isMatch', topic)) continue;
      const id = ask(s, 'mapToAgent', topic);
      if (!(id instanceof AgentId)) {
        throw new ConfigurationError(`Subscription "${s.id}" mapped topic ${String(topic)} to ${describeValue(id)}; mapToAgent must return an AgentId.`);
      }
      const text = id.toString();
      if (!seen.has(text)) {
        seen.add(text);
        out.push(id);
      }
    }
    return out;
  }
}

/** @throws {@link ConfigurationError} when `value` lacks what a subscription needs. */
function checkSubscription(value: unknown): void {
  const s = value as Partial<Subscription> | null;
  if (typeof s !== 'object' || s === null || typeof s.id !== 'string' || typeof s.isMatch !== 'function' || typeof s.mapToAgent !== 'function' || typeof s.equals !== 'function') {
    throw new ConfigurationError(
      `addSubscription needs a Subscription (an id string and isMatch, mapToAgent and equals methods), got ${describeValue(value)}; use TypeSubscription, TypePrefixSubscription or DefaultSubscription.`,
    );
  }
}

/** Calls a subscription's method; what it throws becomes a {@link CallbackError} naming the subscription. */
function ask<K extends 'isMatch' | 'mapToAgent' | 'equals'>(s: Subscription, method: K, arg: Parameters<Subscription[K]>[0]): ReturnType<Subscription[K]> {
  try {
    return (s[method] as (this: Subscription, a: typeof arg) => ReturnType<Subscription[K]>).call(s, arg);
  } catch (thrown) {
    throw new CallbackError(method, thrown, arg, {}, `subscription "${s.id}"`);
  }
}
