import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection, QueuedIterator } from '@nats-io/transport-node';
import type { AgentId } from '../core/AgentId.js';
import type { Subscription } from '../core/Subscription.js';
import type { TopicId } from '../core/TopicId.js';
import { TypePrefixSubscription } from '../core/TypePrefixSubscription.js';
import { TypeSubscription } from '../core/TypeSubscription.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { SubscriptionManager } from '../runtime/SubscriptionManager.js';
import { describeValue } from '../util/describeValue.js';
import { reportUncaught } from '../util/reportUncaught.js';
import { kvToken } from './kvToken.js';
import { createBucket } from './createBucket.js';

/** A subscription as the registry stores it: what it matches and which agent type receives. */
interface SubscriptionRecord {
  /** `type`: topics of exactly `topic`; `prefix`: topics whose type starts with `topic`. */
  readonly kind: 'type' | 'prefix';
  readonly topic: string;
  readonly agentType: string;
}

/**
 * @internal The subscriptions of the whole cluster, in the KV bucket `agent_subs` (no TTL,
 * distributed.md §5.1): every runtime writes the subscriptions added to it (`addSubscription`, and
 * those its agent types register with) and deletes the ones removed from it, so a publish from any
 * process reaches the subscribers hosted anywhere. A subscription is stored under what it routes —
 * its kind, topic (type or prefix) and agent type — so equal subscriptions added by several
 * processes are one entry, and removing it anywhere removes it for the cluster.
 *
 * The event router resolves topics against a copy kept current by a watch of the bucket, caught up
 * with the bucket before each resolution, so a subscription added before a publish is seen by it.
 * Only {@link TypeSubscription}s (hence `DefaultSubscription`s) and {@link TypePrefixSubscription}s
 * cross processes: other subscription classes have code no other process can run.
 */
export class SubscriptionRegistry {
  private readonly mirror = new SubscriptionManager();
  private watching: Promise<QueuedIterator<KvWatchEntry>> | undefined;
  private seenRevision = 0;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly kv: KV) {}

  /** Creates the bucket unless it exists, and opens it. */
  static async open(connection: NatsConnection, replicas = 1): Promise<SubscriptionRegistry> {
    return new SubscriptionRegistry(await createBucket(connection, 'agent_subs', { history: 1, replicas }));
  }

  /**
   * @throws {@link ConfigurationError} when `subscription` is neither a `TypeSubscription` nor a
   *   `TypePrefixSubscription`: its matching code cannot run in another process.
   */
  static check(subscription: Subscription): void {
    recordOf(subscription);
  }

  /** Makes `subscription` known to the cluster (writing it again is harmless). */
  async add(subscription: Subscription): Promise<void> {
    const record = recordOf(subscription);
    await this.kv.put(keyOf(record), JSON.stringify(record));
  }

  /** Removes `subscription` from the cluster. */
  async remove(subscription: Subscription): Promise<void> {
    await this.kv.delete(keyOf(recordOf(subscription)));
  }

  /** The distinct agents the cluster's subscriptions map `topic` to, in a stable order. */
  async recipients(topic: TopicId): Promise<readonly AgentId[]> {
    await this.caughtUp();
    return this.mirror.recipients(topic);
  }

  /** Stops watching the bucket. */
  stop(): void {
    void this.watching?.then((watch) => watch.stop()).catch(() => undefined);
    this.watching = undefined;
  }

  /** Resolves once the copy holds every write the bucket had when called. */
  private async caughtUp(): Promise<void> {
    this.watching ??= this.watch();
    await this.watching;
    const last = (await this.kv.status()).streamInfo.state.last_seq;
    while (this.seenRevision < last) await new Promise<void>((resolve) => this.waiters.add(resolve));
  }

  private async watch(): Promise<QueuedIterator<KvWatchEntry>> {
    const watch = await this.kv.watch();
    void (async () => {
      for await (const entry of watch) this.apply(entry);
    })().catch(reportUncaught);
    return watch;
  }

  private apply(entry: KvWatchEntry): void {
    const known = this.mirror.list().some((s) => s.id === entry.key);
    if (known) this.mirror.remove(entry.key);
    if (entry.operation === 'PUT') this.mirror.add(subscriptionOf(entry.key, entry.json<SubscriptionRecord>()));
    this.seenRevision = Math.max(this.seenRevision, entry.revision);
    for (const wake of [...this.waiters]) {
      this.waiters.delete(wake);
      wake();
    }
  }
}

function recordOf(subscription: Subscription): SubscriptionRecord {
  if (subscription instanceof TypeSubscription) return { kind: 'type', topic: subscription.topicType, agentType: subscription.agentType };
  if (subscription instanceof TypePrefixSubscription) return { kind: 'prefix', topic: subscription.topicTypePrefix, agentType: subscription.agentType };
  throw new ConfigurationError(
    `${describeValue(subscription)} cannot be shared with the other processes of a NatsAgentRuntime cluster: its matching code runs only here. ` +
      'Use a TypeSubscription, DefaultSubscription or TypePrefixSubscription.',
  );
}

function keyOf(record: SubscriptionRecord): string {
  return `${record.kind}.${kvToken(record.topic)}.${kvToken(record.agentType)}`;
}

/** The subscription a stored record stands for, its id being its key. */
function subscriptionOf(key: string, record: SubscriptionRecord): Subscription {
  return record.kind === 'type' ? new TypeSubscription(record.topic, record.agentType, key) : new TypePrefixSubscription(record.topic, record.agentType, key);
}
