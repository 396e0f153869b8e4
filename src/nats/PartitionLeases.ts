import { KvWatchInclude, type KV } from '@nats-io/kv';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { BrokerMisconfiguredError } from '../errors/BrokerMisconfiguredError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { checkBucketTtl } from './checkBucketTtl.js';
import { systemClock, type Clock } from '../util/Clock.js';
import type { LeaseHolder, PartitionLease } from './PartitionLease.js';
import { isWrongRevision } from './isWrongRevision.js';
import { kvToken } from './kvToken.js';
import { createBucket } from './createBucket.js';

/** Options of {@link PartitionLeases.open}. */
export interface PartitionLeasesOptions {
  /** This worker's id, stored as the holder of its leases. */
  readonly workerId: string;
  /**
   * How long a lease lives without a renewal (the bucket's TTL), in ms: every worker of the cluster
   * must use the same. Default: the TTL of the existing bucket, else 10 000.
   */
  readonly ttlMs?: number;
  /** The clock freshness is measured on (the runtime's clock). Default: the system's monotonic clock. */
  readonly clock?: Clock;
  /** The bucket's name. Default `agent_leases`. */
  readonly bucket?: string;
  /** Bucket replicas: 1 for a single server, 3 in production. Default 1. */
  readonly replicas?: number;
}

const DEFAULT_TTL_MS = 10_000;
/** A lease is trusted for this share of its TTL after its last renewal (distributed.md §4.3: fencing). */
const FRESH_SHARE = 0.75;

/**
 * Partition ownership in a NATS KV bucket (distributed.md §5.1): a lease is a key `<type>.<partition>`
 * whose value names the holder; acquiring is a create (fails while someone holds it), renewing an
 * update at the holder's revision (fails once anyone else wrote it), releasing a delete at that
 * revision. The bucket's TTL ends a lease nobody renews, so a dead worker's partitions free up.
 *
 * Fencing: {@link isFresh} is true only within 0.75 × TTL of the last successful renewal on the
 * runtime's clock, so a worker that was frozen (SIGSTOP, a long GC) and resumes stops running
 * handlers for a partition it may have lost, before it learns so from a failed renewal. Check it at
 * handler start and again before committing a result.
 */
export class PartitionLeases {
  private constructor(
    private readonly kv: KV,
    /** The bucket's stream (`KV_<bucket>`), read for the presence keys. */
    private readonly stream: { readonly manager: JetStreamManager; readonly name: string; readonly prefix: string },
    private readonly workerId: string,
    /** How long a lease lives without a renewal, in ms. */
    readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates the lease bucket (history 1, TTL `ttlMs`, file storage) unless it exists, and opens it.
   *
   * @throws {@link ConfigurationError} when `ttlMs` is not a positive integer of at least 1000, when it
   *   differs from the TTL of the existing bucket (which every worker shares), or when `workerId` is empty.
   * @throws {@link BrokerMisconfiguredError} when the existing bucket has no TTL (a dead worker's leases would never end).
   */
  static async open(connection: NatsConnection, options: PartitionLeasesOptions): Promise<PartitionLeases> {
    const { ttlMs, bucket = 'agent_leases' } = options;
    if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs < 1_000)) throw new ConfigurationError(`lease ttlMs must be an integer ≥ 1000, received ${String(ttlMs)}`);
    if (options.workerId === '') throw new ConfigurationError('workerId must not be empty: it names the holder of a lease');
    const timeout = Math.min(5_000, Math.max(1_000, Math.floor((ttlMs ?? DEFAULT_TTL_MS) / 3))); // a renewal lost in a broken connection must not hold up the next one for long
    const kv = await createBucket(connection, bucket, { history: 1, ttl: ttlMs ?? DEFAULT_TTL_MS, replicas: options.replicas ?? 1, timeout });
    const { ttl, streamInfo } = await kv.status(); // an existing bucket keeps its own
    checkLeaseBucketTtl(bucket, ttl, ttlMs);
    const stream = { manager: await jetstreamManager(connection), name: streamInfo.config.name, prefix: `$KV.${bucket}.` };
    return new PartitionLeases(kv, stream, options.workerId, ttl, options.clock ?? systemClock);
  }

  /** The lease key of a partition: the type as a KV token ({@link kvToken}), a dot, the partition. */
  static keyOf(type: string, partition: number): string {
    return `${kvToken(type)}.${partition}`;
  }

  /** Takes the partition if nobody holds it; `undefined` when someone does (this worker included). */
  async acquire(type: string, partition: number): Promise<PartitionLease | undefined> {
    const key = PartitionLeases.keyOf(type, partition);
    try {
      const revision = await this.kv.create(key, this.value());
      return { type, partition, key, revision, renewedAt: this.clock.now() };
    } catch (error) {
      if (isWrongRevision(error)) return undefined;
      throw error;
    }
  }

  /**
   * Extends the lease for another TTL. Resolves with the renewed lease, or `undefined` when it was
   * lost (expired and taken, or released): stop handling the partition at once.
   */
  async renew(lease: PartitionLease): Promise<PartitionLease | undefined> {
    try {
      const revision = await this.kv.update(lease.key, this.value(), lease.revision);
      return { ...lease, revision, renewedAt: this.clock.now() };
    } catch (error) {
      if (!isWrongRevision(error)) throw error;
      return this.renewAfterLostAnswer(lease);
    }
  }

  /**
   * A renewal found a newer revision than this worker knew. When the lease still names this worker,
   * that revision is its own: an earlier renewal was applied but its answer lost (the connection
   * broke, the broker restarted); renew at it. Otherwise the lease was lost.
   */
  private async renewAfterLostAnswer(lease: PartitionLease): Promise<PartitionLease | undefined> {
    const holder = await this.holder(lease.type, lease.partition);
    if (holder === undefined || holder.worker !== this.workerId) return undefined;
    try {
      const revision = await this.kv.update(lease.key, this.value(), holder.revision);
      return { ...lease, revision, renewedAt: this.clock.now() };
    } catch (error) {
      if (isWrongRevision(error)) return undefined;
      throw error;
    }
  }

  /** Gives the partition up (after draining it), unless someone else already holds it. */
  async release(lease: PartitionLease): Promise<void> {
    try {
      await this.kv.delete(lease.key, { previousSeq: lease.revision });
    } catch (error) {
      if (!isWrongRevision(error)) throw error;
    }
  }

  /** Says this worker serves `type` (a key `<type>.workers.<workerId>` the bucket's TTL ends unless said again). */
  async present(type: string): Promise<void> {
    await this.kv.put(this.presenceKey(type), this.value());
  }

  /** Withdraws this worker from `type` (at stop). */
  async absent(type: string): Promise<void> {
    await this.kv.delete(this.presenceKey(type));
  }

  /** How many workers said within the TTL that they serve `type` (this one included once it did). */
  async workers(type: string): Promise<number> {
    return (await this.presentWorkers(type)).length;
  }

  /**
   * Watches the type's leases and presence (a KV watch, new writes only) and calls `changed` promptly
   * when a lease is released (deleted) or a worker of the type joins or leaves — not on renewals — so
   * workers take a released partition, or rebalance, at once instead of at their next round. A lease
   * or presence that ends by the bucket's TTL (a dead worker) is not seen: the rounds catch those.
   * `changed` gets the partition whose lease was released, if that was the change. Resolves, once
   * watching, with the function that stops the watch.
   */
  async watch(type: string, changed: (released?: number) => void): Promise<() => void> {
    const presencePrefix = `${kvToken(type)}.workers.`;
    const lastSaid = new Map<string, number>(); // presence key → when it was last written (runtime clock)
    const watch = await this.kv.watch({ key: `${kvToken(type)}.>`, include: KvWatchInclude.UpdatesOnly });
    void (async () => {
      for await (const entry of watch) {
        const presence = entry.key.startsWith(presencePrefix);
        if (entry.operation !== 'PUT') {
          lastSaid.delete(entry.key);
          changed(presence ? undefined : Number(entry.key.slice(entry.key.lastIndexOf('.') + 1))); // a worker gone, or a lease released
        } else if (presence) {
          const before = lastSaid.get(entry.key);
          lastSaid.set(entry.key, this.clock.now());
          if (before === undefined || this.clock.now() - before > this.ttlMs) changed(); // a worker joined
        }
      }
    })().catch(() => undefined); // ends when the watch stops or the connection closes
    return () => watch.stop();
  }

  /** The ids of the workers that said within the TTL that they serve `type`, sorted. */
  async presentWorkers(type: string): Promise<string[]> {
    const keys = await this.presenceKeys(type);
    const entries = await Promise.all(keys.map((key) => this.kv.get(key)));
    return entries.flatMap((entry) => (entry === null || entry.operation !== 'PUT' ? [] : [entry.json<{ worker: string }>().worker])).sort();
  }

  /** Who holds the partition now, if anyone. */
  async holder(type: string, partition: number): Promise<LeaseHolder | undefined> {
    const entry = await this.kv.get(PartitionLeases.keyOf(type, partition));
    if (entry === null || entry.operation !== 'PUT') return undefined;
    const { worker } = entry.json<{ worker: string }>();
    return { worker, revision: entry.revision };
  }

  /** Whether the lease may still be acted on: renewed within 0.75 × TTL on the runtime's clock. */
  isFresh(lease: PartitionLease): boolean {
    return this.clock.now() - lease.renewedAt < FRESH_SHARE * this.ttlMs;
  }

  /**
   * The presence keys of `type` stored now (said, or withdrawn and not yet expired), read from the
   * bucket's stream info — not with `kv.keys()`, whose consumer can wait for ever when a key it counted
   * is replaced or expires before it is delivered (presence is written by every worker every round).
   */
  private async presenceKeys(type: string): Promise<string[]> {
    const { manager, name, prefix } = this.stream;
    const info = await manager.streams.info(name, { subjects_filter: `${prefix}${kvToken(type)}.workers.*` });
    return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
  }

  private presenceKey(type: string): string {
    return `${kvToken(type)}.workers.${kvToken(this.workerId)}`;
  }

  private value(): string {
    return JSON.stringify({ worker: this.workerId });
  }
}

/** The lease bucket must end unrenewed leases, after the TTL this worker expects. */
function checkLeaseBucketTtl(bucket: string, ttl: number, expected: number | undefined): void {
  if (ttl <= 0) {
    throw new BrokerMisconfiguredError(
      `The lease bucket ${bucket} exists without a TTL, so the leases of a worker that died would never end. ` +
        `Stop every worker and delete it (\`nats kv rm ${bucket}\`) to let agentwire create it with one.`,
    );
  }
  checkBucketTtl(bucket, ttl, expected, { option: 'leaseTtlMs', label: 'lease bucket' });
}
