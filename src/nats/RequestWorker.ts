import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Clock, TimerHandle } from '../util/Clock.js';
import { reportUncaught } from '../util/reportUncaught.js';
import { ensureRequestConsumer } from './ensureRequestConsumer.js';
import type { NatsSession } from './NatsSession.js';
import type { PartitionLease } from './PartitionLease.js';
import type { PartitionLeases } from './PartitionLeases.js';
import { requestQueue } from './requestQueue.js';
import { resolveRequestQueueOptions, type RequestQueueOptions } from './RequestQueueOptions.js';

/** Options of {@link RequestWorker.start}. */
export interface RequestWorkerOptions {
  /** The request queue's settings (partitions, ack wait, …). */
  readonly queue: RequestQueueOptions;
  /** How long one pull waits for requests, in ms. */
  readonly pullExpiresMs: number;
  /** The partition leases of this process (`agent_leases`). */
  readonly leases: PartitionLeases;
  /** The runtime's clock: renewals and takeover attempts are armed on its timers. */
  readonly clock: Clock;
  /** Called when the renewal of `partition`'s lease failed (another worker holds it now): drop what was pulled from it. */
  readonly lost?: (partition: number) => void;
  /** Awaited when this worker took `partition`'s lease, before it pulls from it (check what is kept in memory of the partition's agents). */
  readonly taken?: (partition: number) => Promise<void>;
}

/** Serves one pulled request; `fresh` tells whether its partition's lease may still be acted on (check it before committing a result). */
export type ServeRequest = (message: JsMsg, fresh: () => boolean) => Promise<void>;

/** One partition of the type: its consumer, and the lease and pull while this worker owns it. */
interface Slot {
  readonly partition: number;
  readonly consumer: Consumer;
  lease: PartitionLease | undefined;
  pull: ConsumerMessages | undefined;
  /** Given up for balance: no longer pulled, its lease released once the requests in flight settle. */
  shedding: boolean;
  /** Requests pulled from it and not yet settled. */
  inFlight: number;
  /** How many times this worker took the partition: a request pulled under one take is never acted on under another. */
  takes: number;
}

/**
 * @internal The worker loop of one hosted agent type (distributed.md §5.1): a durable pull consumer
 * per partition (created unless it exists), pulled only while this worker holds the partition's
 * lease, so each partition — hence each `AgentId` — is served by one process at a time. Every
 * TTL/3 (on the runtime's clock) it says it is present, renews the leases it holds, stops pulling
 * a partition whose renewal failed (lost), gives up (stops pulling, drains, releases) what exceeds
 * its fair share ⌈partitions / workers present⌉, and takes partitions nobody holds up to that share
 * (a dead owner's lease and presence end with the bucket's TTL). A pulled request whose lease is not fresh is not run but nak'ed, so the
 * stream redelivers it to the owner.
 */
export class RequestWorker {
  private timer: TimerHandle | undefined = undefined;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();

  private constructor(
    /** The agent type whose requests it pulls. */
    readonly type: string,
    private readonly slots: readonly Slot[],
    private readonly options: RequestWorkerOptions,
    private readonly serve: ServeRequest,
  ) {}

  /** Ensures the type's consumers, takes the partitions nobody holds and starts pulling them. */
  static async start(session: NatsSession, type: string, options: RequestWorkerOptions, serve: ServeRequest): Promise<RequestWorker> {
    const { partitions } = resolveRequestQueueOptions(options.queue);
    const slots = await Promise.all(
      Array.from({ length: partitions }, async (_, partition): Promise<Slot> => {
        const info = await ensureRequestConsumer(session.manager, type, partition, options.queue);
        const consumer = await session.client.consumers.get(requestQueue.stream, info.name);
        return { partition, consumer, lease: undefined, pull: undefined, shedding: false, inFlight: 0, takes: 0 };
      }),
    );
    const worker = new RequestWorker(type, slots, options, serve);
    await worker.tick();
    return worker;
  }

  /** The partitions this worker holds (and pulls) now. */
  get owned(): readonly number[] {
    return this.slots.filter((slot) => slot.lease !== undefined).map((slot) => slot.partition);
  }

  /** True when this worker holds `partition`'s lease and it is fresh (it may act for the partition's agents). */
  holds(partition: number): boolean {
    const lease = this.slots[partition]?.lease;
    return lease !== undefined && this.options.leases.isFresh(lease);
  }

  /** Stops renewing and pulling and releases the leases; requests pulled and not acked are redelivered. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    await this.ticking;
    await Promise.all(this.slots.map((slot) => this.give(slot, true)));
    await this.options.leases.absent(this.type).catch(() => undefined);
  }

  /**
   * One round: says this worker is present, renews what it holds, gives up (drains, then releases)
   * what exceeds its fair share — ⌈partitions / workers present⌉ — and takes free partitions up to
   * that share; then arms the next round at TTL/3.
   */
  private tick(): Promise<void> {
    this.ticking = this.round()
      .catch((error: unknown) => {
        if (!this.stopped) reportUncaught(error);
      })
      .then(() => {
        if (!this.stopped) this.timer = this.options.clock.setTimeout(() => void this.tick(), Math.floor(this.options.leases.ttlMs / 3));
      });
    return this.ticking;
  }

  private async round(): Promise<void> {
    const { leases } = this.options;
    const type = this.type;
    await leases.present(type);
    await Promise.all(this.slots.filter((slot) => slot.lease !== undefined).map((slot) => this.renew(slot)));
    const share = Math.ceil(this.slots.length / Math.max(1, await leases.workers(type)));
    const kept = this.slots.filter((slot) => slot.lease !== undefined && !slot.shedding);
    for (const slot of kept.slice(share)) this.shed(slot);
    let owned = Math.min(kept.length, share);
    for (const slot of this.slots) {
      if (owned >= share || this.stopped) break;
      if (slot.lease === undefined && (await this.take(type, slot))) owned++;
    }
  }

  private async renew(slot: Slot): Promise<void> {
    const renewed = await this.options.leases.renew(slot.lease!);
    if (renewed === undefined) {
      await this.give(slot, false);
      this.options.lost?.(slot.partition);
    }
    else if (slot.shedding && slot.inFlight === 0) await this.give(slot, true);
    else slot.lease = renewed;
  }

  /** Stops pulling the partition, and releases it once its requests in flight settle. */
  private shed(slot: Slot): void {
    slot.shedding = true;
    const pull = slot.pull;
    slot.pull = undefined;
    void pull?.close().catch(() => undefined);
    if (slot.inFlight === 0) void this.give(slot, true);
  }

  private async take(type: string, slot: Slot): Promise<boolean> {
    const leases = this.options.leases;
    const lease = await leases.acquire(type, slot.partition);
    if (lease === undefined) return false;
    if (this.stopped) {
      await leases.release(lease);
      return false;
    }
    slot.lease = lease;
    slot.takes++;
    try {
      await this.options.taken?.(slot.partition);
      slot.pull = await slot.consumer.consume({ max_messages: Math.min(resolveRequestQueueOptions(this.options.queue).maxAckPending, 64), expires: this.options.pullExpiresMs, callback: (message) => this.pulled(slot, message) });
    } catch (error) {
      await this.give(slot, true); // not pulling it: let another worker take it
      throw error;
    }
    return true;
  }

  private pulled(slot: Slot, message: JsMsg): void {
    const take = slot.takes;
    const fresh = (): boolean => slot.lease !== undefined && slot.takes === take && this.options.leases.isFresh(slot.lease);
    if (!fresh() || slot.shedding) return void message.nak(Math.floor(this.options.leases.ttlMs / 10)); // fenced or given up: the owner gets it
    slot.inFlight++;
    void this.serve(message, fresh).then(() => {
      slot.inFlight--;
      if (slot.shedding && slot.inFlight === 0) void this.give(slot, true);
    });
  }

  /** Stops pulling the partition; releases its lease when this worker still holds it. */
  private async give(slot: Slot, release: boolean): Promise<void> {
    const { lease, pull } = slot;
    slot.lease = undefined;
    slot.pull = undefined;
    slot.shedding = false;
    await pull?.close().catch(() => undefined);
    if (release && lease !== undefined) await this.options.leases.release(lease).catch(() => undefined);
  }
}
