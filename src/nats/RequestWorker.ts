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
}

/** Serves one pulled request; `fresh` tells whether its partition's lease may still be acted on (check it before committing a result). */
export type ServeRequest = (message: JsMsg, fresh: () => boolean) => void;

/** One partition of the type: its consumer, and the lease and pull while this worker owns it. */
interface Slot {
  readonly partition: number;
  readonly consumer: Consumer;
  lease: PartitionLease | undefined;
  pull: ConsumerMessages | undefined;
}

/**
 * @internal The worker loop of one hosted agent type (distributed.md §5.1): a durable pull consumer
 * per partition (created unless it exists), pulled only while this worker holds the partition's
 * lease, so each partition — hence each `AgentId` — is served by one process at a time. Every
 * TTL/3 (on the runtime's clock) it renews the leases it holds, stops pulling a partition whose
 * renewal failed (lost), and tries to take the partitions nobody holds (a dead owner's lease ends
 * with the bucket's TTL). A pulled request whose lease is not fresh is not run but nak'ed, so the
 * stream redelivers it to the owner.
 */
export class RequestWorker {
  private timer: TimerHandle | undefined = undefined;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();

  private constructor(
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
        return { partition, consumer, lease: undefined, pull: undefined };
      }),
    );
    const worker = new RequestWorker(slots, options, serve);
    await worker.tick(type);
    return worker;
  }

  /** The partitions this worker holds (and pulls) now. */
  get owned(): readonly number[] {
    return this.slots.filter((slot) => slot.lease !== undefined).map((slot) => slot.partition);
  }

  /** Stops renewing and pulling and releases the leases; requests pulled and not acked are redelivered. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    await this.ticking;
    await Promise.all(this.slots.map((slot) => this.give(slot, true)));
  }

  /** Renews what it holds, takes what nobody holds, then arms the next round at TTL/3. */
  private tick(type: string): Promise<void> {
    this.ticking = Promise.all(this.slots.map((slot) => this.keep(type, slot).catch((error: unknown) => { if (!this.stopped) reportUncaught(error); }))).then(() => {
      if (!this.stopped) this.timer = this.options.clock.setTimeout(() => void this.tick(type), Math.floor(this.options.leases.ttlMs / 3));
    });
    return this.ticking;
  }

  private async keep(type: string, slot: Slot): Promise<void> {
    const leases = this.options.leases;
    if (slot.lease !== undefined) {
      const renewed = await leases.renew(slot.lease);
      if (renewed === undefined) await this.give(slot, false);
      else slot.lease = renewed;
      return;
    }
    const lease = await leases.acquire(type, slot.partition);
    if (lease === undefined) return;
    if (this.stopped) return void (await leases.release(lease));
    slot.lease = lease;
    try {
      slot.pull = await slot.consumer.consume({ max_messages: Math.min(resolveRequestQueueOptions(this.options.queue).maxAckPending, 64), expires: this.options.pullExpiresMs, callback: (message) => this.pulled(slot, message) });
    } catch (error) {
      await this.give(slot, true); // not pulling it: let another worker take it
      throw error;
    }
  }

  private pulled(slot: Slot, message: JsMsg): void {
    const fresh = (): boolean => slot.lease !== undefined && this.options.leases.isFresh(slot.lease);
    if (!fresh()) return void message.nak(Math.floor(this.options.leases.ttlMs / 10)); // fenced: the owner gets it
    this.serve(message, fresh);
  }

  /** Stops pulling the partition; releases its lease when this worker still holds it. */
  private async give(slot: Slot, release: boolean): Promise<void> {
    const { lease, pull } = slot;
    slot.lease = undefined;
    slot.pull = undefined;
    await pull?.close().catch(() => undefined);
    if (release && lease !== undefined) await this.options.leases.release(lease).catch(() => undefined);
  }
}
