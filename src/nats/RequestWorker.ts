import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Clock } from '../util/Clock.js';
import { describeValue } from '../util/describeValue.js';
import { closePull } from './closePull.js';
import { RoundTimer } from './RoundTimer.js';
import { ensureRequestConsumer } from './ensureRequestConsumer.js';
import type { NatsSession } from './NatsSession.js';
import type { PartitionLease } from './PartitionLease.js';
import type { PartitionLeases } from './PartitionLeases.js';
import { requestQueue } from './requestQueue.js';
import { WorkingHeartbeat } from './WorkingHeartbeat.js';
import { handBack, type HandBackTarget } from './handBack.js';
import { resolveRequestQueueOptions, type RequestQueueOptions } from './RequestQueueOptions.js';

/**
 * Called before this worker releases partitions it drained (rebalancing, or `stop()`): every
 * request pulled from them has settled and their leases are still held and fresh, so what must
 * outlive the handover (agent state) can be saved, fenced, now. The release waits for it.
 */
export type BeforeRelease = (type: string, partitions: readonly number[]) => Promise<void>;

/** Options of {@link RequestWorker.open}. */
export interface RequestWorkerOptions {
  /** The request queue's settings (partitions, ack wait, …). */
  readonly queue: RequestQueueOptions;
  /** How long one pull waits for requests, in ms. */
  readonly pullExpiresMs: number;
  /** The partition leases of this process (`agent_leases`). */
  readonly leases: PartitionLeases;
  /** The runtime's clock: renewals, takeover attempts and the drain's bound are armed on its timers. */
  readonly clock: Clock;
  /** Called when the renewal of `partition`'s lease failed (another worker holds it now): drop what was pulled from it. */
  readonly lost?: (partition: number) => void;
  /** Awaited when this worker took `partition`'s lease, before it pulls from it (check what is kept in memory of the partition's agents). */
  readonly taken?: (partition: number) => Promise<void>;
  /** Called before a drained partition's lease is released (see {@link BeforeRelease}); a failure is logged and the release goes on. */
  readonly beforeRelease?: BeforeRelease;
  /** Where a failing `beforeRelease` is reported. */
  readonly log?: { warn(message: string): void };
  /** Called when a round failed (the broker unreachable, a renewal timed out); the rounds go on. Default: reported as uncaught. */
  readonly failed?: (error: unknown) => void;
}

/**
 * Serves one pulled request; `fresh` tells whether its partition's lease may still be acted on (check
 * it before committing a result), `handingOver` whether the partition is being handed over (drained):
 * a turn that has not started by then must not start — the request goes back to the stream for the
 * next owner.
 */
export type ServeRequest = (message: JsMsg, fresh: () => boolean, handingOver: () => boolean) => Promise<void>;

/** One partition of the type: its consumer, and the lease and pull while this worker owns it. */
interface Slot {
  readonly partition: number;
  readonly consumer: Consumer;
  lease: PartitionLease | undefined;
  pull: ConsumerMessages | undefined;
  /** Given up (balance, or drain): no longer pulled, nothing new started, its lease released once the requests in flight settle. */
  shedding: boolean;
  /** Requests pulled from it and not yet settled. */
  inFlight: number;
  /** How many times this worker took the partition: a request pulled under one take is never acted on under another. */
  takes: number;
  /** Resolves once its pull is closed (nothing more can arrive from it). */
  closing: Promise<void>;
  /** The handover under way (beforeRelease, then the release), if any. */
  handover: Promise<void> | undefined;
  /** The lease operations (renew, release) of the slot, one after the other. */
  leaseOps: Promise<void>;
  /** A renewal asked for because a request arrived while the lease was not fresh, if under way. */
  renewing: Promise<void> | undefined;
}

/**
 * @internal The worker loop of one hosted agent type (distributed.md §5.1, §5.8): a durable pull consumer
 * per partition (created unless it exists), pulled only while this worker holds the partition's
 * lease, so each partition — hence each `AgentId` — is served by one process at a time. Every
 * TTL/3 (on the runtime's clock) it says it is present, renews the leases it holds, stops pulling
 * a partition whose renewal failed (lost), gives up what exceeds its fair share ⌈partitions / workers
 * present⌉, and takes partitions nobody holds up to that share (a dead owner's lease and presence
 * end with the bucket's TTL). A KV watch brings a round forward when a lease is released or a worker
 * joins or leaves, so a released partition is taken in milliseconds. A pulled request whose lease is
 * not fresh waits for a renewal (kept alive meanwhile): renewed, it is served; lost, it is nak'ed, so
 * the stream redelivers it to the owner (a nak counts towards `max_deliver`, a late renewal should not).
 *
 * Giving a partition up (a handover, for balance or {@link drain}): stop pulling (messages already on
 * their way are nak'ed at once), let the turns running finish and their answers be stored and acked
 * (turns not started yet are not started: nak'ed), call `beforeRelease`, then delete the lease — the
 * next owner, prompted by the watch, takes it within milliseconds.
 */
export class RequestWorker {
  private readonly rounds: RoundTimer;
  /** Keeps the requests waiting for a late renewal alive in the stream. */
  private readonly heartbeat: WorkingHeartbeat;
  private stopped = false;
  private draining = false;
  /** Resolves once this worker's presence is withdrawn (while draining): releases wait for it, so the workers they prompt already count one worker less. */
  private withdrawn: Promise<void> = Promise.resolve();
  /** Whether this worker has said it is present (at the end of its first round). */
  private announced = false;
  private stopWatch: (() => void) | undefined = undefined;
  /** Partitions whose release the watch reported since the last round: tried first. */
  private readonly freed = new Set<number>();
  /** Called whenever a slot released its lease or finished a handover (see {@link released}). */
  private readonly slotChanged = new Set<() => void>();

  private constructor(
    /** The agent type whose requests it pulls. */
    readonly type: string,
    private readonly slots: readonly Slot[],
    private readonly options: RequestWorkerOptions,
    private readonly serve: ServeRequest,
    /** Where requests this worker does not serve go back (see {@link handBack}). */
    private readonly handBackTo: HandBackTarget,
  ) {
    this.rounds = new RoundTimer(options.clock, () => Math.floor(options.leases.ttlMs / 3), () => this.round(), options.failed);
    this.heartbeat = WorkingHeartbeat.forAckWait(resolveRequestQueueOptions(options.queue).ackWaitMs);
  }

  /** Ensures the type's consumers; the worker takes and pulls nothing until {@link begin}. */
  static async open(session: NatsSession, type: string, options: RequestWorkerOptions, serve: ServeRequest): Promise<RequestWorker> {
    const { partitions } = resolveRequestQueueOptions(options.queue);
    const slots = await Promise.all(
      Array.from({ length: partitions }, async (_, partition): Promise<Slot> => {
        const info = await ensureRequestConsumer(session.manager, type, partition, options.queue);
        const consumer = await session.client.consumers.get(requestQueue.stream, info.name);
        return { partition, consumer, lease: undefined, pull: undefined, shedding: false, inFlight: 0, takes: 0, closing: Promise.resolve(), handover: undefined, leaseOps: Promise.resolve(), renewing: undefined };
      }),
    );
    const handBackTo = { publisher: session.publisher, maxDeliver: resolveRequestQueueOptions(options.queue).maxDeliver };
    return new RequestWorker(type, slots, options, serve, handBackTo);
  }

  /** Watches the type's leases, takes the partitions nobody holds and starts pulling them (its first round). */
  async begin(): Promise<void> {
    this.stopWatch = await this.options.leases.watch(this.type, (released) => this.nudge(released));
    if (this.stopped) return this.stopWatch();
    await this.rounds.run();
  }

  /** The partitions this worker holds now (pulled, or being handed over). */
  get owned(): readonly number[] {
    return this.slots.filter((slot) => slot.lease !== undefined).map((slot) => slot.partition);
  }

  /** True when this worker holds `partition`'s lease and it is fresh (it may act for the partition's agents). */
  holds(partition: number): boolean {
    const lease = this.slots[partition]?.lease;
    return lease !== undefined && this.options.leases.isFresh(lease);
  }


  /**
   * Hands every partition over (distributed.md §5.8): withdraws this worker's presence (the others'
   * share grows at once), stops pulling, lets the requests in flight settle — answers stored and
   * acked; turns not started are not started but handed back to the stream — and releases each
   * partition as soon as it is idle (after `beforeRelease`), while renewing the leases still held.
   * Resolves once every partition is released, or after `withinMs` (runtime clock) with the rest
   * still held: {@link stop} then releases them at once.
   */
  async drain(withinMs: number): Promise<void> {
    if (this.draining || this.stopped) return;
    this.draining = true;
    this.shedAll(); // at once: no turn starts from here on
    const under = this.rounds.settled();
    this.withdrawn = under.then(() => this.options.leases.absent(this.type)).catch(() => undefined); // before any release: the others' share grows first
    await under;
    this.shedAll(); // what a round under way took meanwhile
    await this.withdrawn;
    this.rounds.now(); // renews what is still held while it drains (rounds renew only from here on)
    await this.released(withinMs);
  }

  private shedAll(): void {
    for (const slot of this.slots) if (slot.lease !== undefined) this.shed(slot);
  }

  /** Stops renewing and pulling and releases the leases at once; requests pulled and not acked are redelivered. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    await this.rounds.stop();
    await Promise.all(this.slots.map((slot) => this.give(slot)));
    await this.options.leases.absent(this.type).catch(() => undefined);
  }

  /** The partitions this worker holds whose lease is not fresh now (its renewal is late). */
  get stale(): readonly number[] {
    return this.slots.filter((slot) => slot.lease !== undefined && !this.options.leases.isFresh(slot.lease)).map((slot) => slot.partition);
  }

  /** Renews the leases now (after a reconnect: before they go stale), or right after the round running. */
  renewNow(): void {
    this.rounds.now();
  }

  /** Brings the next round forward (a lease was released — `released`, tried first —, a worker joined or left). */
  private nudge(released?: number): void {
    if (this.stopped || this.draining) return;
    if (released !== undefined) this.freed.add(released);
    this.rounds.now();
  }

  /**
   * Says this worker is present (its first round: at its end), renews what it holds, gives up
   * (drains, then releases) what exceeds its fair share — ⌈partitions / workers present⌉ — and takes
   * free partitions up to that share. While draining: renews only.
   */
  private async round(): Promise<void> {
    const { leases } = this.options;
    const type = this.type;
    const first = !this.announced;
    if (!this.draining && !first) await leases.present(type);
    await Promise.all(this.slots.filter((slot) => slot.lease !== undefined).map((slot) => this.renew(slot)));
    for (const slot of this.slots) if (slot.shedding && slot.inFlight === 0) void this.handOver(slot);
    if (this.draining) return;
    const share = Math.ceil(this.slots.length / Math.max(1, (await leases.workers(type)) + (first ? 1 : 0)));
    const kept = this.slots.filter((slot) => slot.lease !== undefined && !slot.shedding);
    for (const slot of kept.slice(share)) this.shed(slot);
    let owned = Math.min(kept.length, share);
    const freed = this.slots.filter((slot) => this.freed.has(slot.partition));
    this.freed.clear();
    for (const slot of new Set([...freed, ...this.slots])) {
      if (owned >= share || this.stopped || this.draining) break;
      if (slot.lease === undefined && !slot.shedding && (await this.take(type, slot))) owned++;
    }
    if (first && !this.stopped && !this.draining) {
      // Said once its first round is done (free partitions taken, the process warm): the others give up partitions for it
      // as soon as they see it, and it takes each at once.
      await leases.present(type);
      this.announced = true;
    }
  }

  private renew(slot: Slot): Promise<void> {
    return this.inTurn(slot, async () => {
      const lease = slot.lease;
      if (lease === undefined) return;
      const renewed = await this.options.leases.renew(lease);
      if (renewed !== undefined) {
        slot.lease = renewed;
        return;
      }
      slot.lease = undefined; // lost: another worker holds it now
      slot.shedding = false;
      slot.closing = this.closeOf(slot);
      this.changed();
      this.options.lost?.(slot.partition);
    });
  }

  /** Stops pulling the partition; it is released once its requests in flight settle (see {@link handOver}). */
  private shed(slot: Slot): void {
    if (slot.shedding) return;
    slot.shedding = true;
    slot.closing = this.closeOf(slot);
    void slot.closing.then(() => {
      if (slot.inFlight === 0) void this.handOver(slot);
    });
  }

  /** Closes the slot's pull, if any (messages already on their way still reach {@link pulled}). */
  private closeOf(slot: Slot): Promise<void> {
    const pull = slot.pull;
    slot.pull = undefined;
    return pull === undefined ? Promise.resolve() : closePull(pull);
  }

  /** A drained partition (nothing in flight): `beforeRelease` while the lease is still held, then the release. */
  private handOver(slot: Slot): Promise<void> {
    slot.handover ??= (async () => {
      await slot.closing;
      await this.withdrawn;
      const { beforeRelease, log } = this.options;
      if (slot.lease !== undefined && beforeRelease !== undefined) {
        await beforeRelease(this.type, [slot.partition]).catch((error: unknown) => log?.warn(`Saving before handing over partition ${slot.partition} of ${this.type} failed (${describeValue(error)}); the partition is released anyway.`));
      }
      if (slot.shedding) await this.give(slot);
    })().finally(() => {
      slot.handover = undefined;
      this.changed();
    });
    return slot.handover;
  }

  private async take(type: string, slot: Slot): Promise<boolean> {
    const leases = this.options.leases;
    const lease = await leases.acquire(type, slot.partition);
    if (lease === undefined) return false;
    if (this.stopped || this.draining) {
      await leases.release(lease);
      return false;
    }
    slot.lease = lease;
    slot.takes++;
    try {
      await this.options.taken?.(slot.partition);
      slot.pull = await slot.consumer.consume({ max_messages: Math.min(resolveRequestQueueOptions(this.options.queue).maxAckPending, 64), expires: this.options.pullExpiresMs, callback: (message) => this.pulled(slot, message) });
    } catch (error) {
      await this.give(slot); // not pulling it: let another worker take it
      throw error;
    }
    return true;
  }

  private pulled(slot: Slot, message: JsMsg, afterRenewal = false): void {
    const take = slot.takes;
    const fresh = (): boolean => slot.lease !== undefined && slot.takes === take && this.options.leases.isFresh(slot.lease);
    if (slot.shedding) return void handBack(message, this.handBackTo); // being handed over: the next owner gets it at once
    if (!fresh() && slot.lease !== undefined && !afterRenewal) {
      // Held, but its renewal is late (a busy or paused process): renew now and decide then, rather than
      // nak a delivery the stream counts towards max_deliver, again and again while the renewal is late.
      slot.renewing ??= this.renew(slot)
        .catch(() => undefined)
        .finally(() => (slot.renewing = undefined));
      this.heartbeat.hold(message); // not redelivered meanwhile
      message.working();
      return void slot.renewing.then(() => {
        this.heartbeat.release(message);
        this.pulled(slot, message, true);
      });
    }
    if (!fresh()) return void handBack(message, this.handBackTo, Math.floor(this.options.leases.ttlMs / 10)); // fenced: the owner gets it
    slot.inFlight++;
    void this.serve(message, fresh, () => slot.shedding).then(() => {
      slot.inFlight--;
      if (slot.shedding && slot.inFlight === 0) void this.handOver(slot);
    });
  }

  /** Stops pulling the partition and releases its lease (at its latest revision) if this worker still holds it. */
  private async give(slot: Slot): Promise<void> {
    await this.closeOf(slot);
    await this.inTurn(slot, async () => {
      const lease = slot.lease;
      slot.lease = undefined;
      slot.shedding = false;
      if (lease !== undefined) await this.options.leases.release(lease).catch(() => undefined);
    });
    this.changed();
  }

  /** Runs a lease operation of the slot after the one before it: a release never crosses a renewal (it would miss the new revision and leave the lease held until its TTL). */
  private inTurn(slot: Slot, operation: () => Promise<void>): Promise<void> {
    const next = slot.leaseOps.then(operation);
    slot.leaseOps = next.catch(() => undefined);
    return next;
  }

  /** Resolves once no partition is held nor being handed over, or after `withinMs` (runtime clock). */
  private released(withinMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        this.slotChanged.delete(check);
        this.options.clock.clearTimeout(timer);
        resolve();
      };
      const check = (): void => {
        if (!this.slots.some((slot) => slot.lease !== undefined || slot.handover !== undefined)) finish();
      };
      const timer = this.options.clock.setTimeout(finish, withinMs);
      this.slotChanged.add(check);
      check();
    });
  }

  private changed(): void {
    for (const listener of [...this.slotChanged]) listener();
  }
}
