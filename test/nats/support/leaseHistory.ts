import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { PartitionLeases } from '../natsApi.js';

/** One write to a partition's lease, as the lease bucket stored it. */
export interface LeaseWrite {
  readonly partition: number;
  /** `take` (created, or renewed: a PUT) or `release` (deleted: a DEL — a lease that ends by its TTL leaves none). */
  readonly kind: 'take' | 'release';
  /** The holder: the writer of a take, the last holder for a release. */
  readonly worker: string;
  /** When the server stored it (epoch ms, the machine's clock). */
  readonly at: number;
}

/** A partition moving from one worker to another: the release and the next take by someone else. */
export interface Handover {
  readonly partition: number;
  readonly from: string;
  readonly to: string;
  /** The release's time and how long after it the next owner took the partition, in ms (server timestamps). */
  readonly releasedAt: number;
  readonly gapMs: number;
}

/** The lease writes of one type, recorded as they happen. */
export interface LeaseHistory {
  readonly writes: readonly LeaseWrite[];
  /** The handovers recorded so far. */
  handovers(): Handover[];
  /** Resolves once the writes recorded satisfy `test` (an event-driven wait). */
  until(test: (writes: readonly LeaseWrite[]) => boolean): Promise<void>;
  stop(): void;
}

/**
 * Records every write to the leases of `type` (a KV watch of `agent_leases`, new writes only) until
 * `stop()`: who took and released which partition when, on the server's timestamps — the evidence of
 * how partitions moved (a release then a take: a drain; a take with no release before it: a TTL expiry).
 */
export async function recordLeases(connection: NatsConnection, type: string): Promise<LeaseHistory> {
  const kv = await new Kvm(connection).open('agent_leases');
  const prefix = PartitionLeases.keyOf(type, 0).slice(0, -1);
  const watch = await kv.watch({ key: `${prefix}*`, include: 'updates' });
  const writes: LeaseWrite[] = [];
  const holders = new Map<number, string>();
  const waiters = new Set<() => void>();
  void (async () => {
    for await (const entry of watch) {
      const partition = Number(entry.key.slice(prefix.length));
      const at = entry.created.getTime();
      if (entry.operation === 'PUT') {
        const { worker } = entry.json<{ worker: string }>();
        if (holders.get(partition) !== worker) writes.push({ partition, kind: 'take', worker, at });
        holders.set(partition, worker);
      } else {
        writes.push({ partition, kind: 'release', worker: holders.get(partition) ?? '?', at });
        holders.delete(partition);
      }
      for (const waiter of [...waiters]) waiter();
    }
  })();
  return {
    writes,
    handovers: () => handoversIn(writes),
    until: (test) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (!test(writes)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    stop: () => watch.stop(),
  };
}

/** Each release followed by another worker's take of the partition. */
function handoversIn(writes: readonly LeaseWrite[]): Handover[] {
  return writes.flatMap((write, i) => {
    if (write.kind !== 'release') return [];
    const next = writes.slice(i + 1).find((later) => later.partition === write.partition);
    if (next?.kind !== 'take' || next.worker === write.worker) return [];
    return [{ partition: write.partition, from: write.worker, to: next.worker, releasedAt: write.at, gapMs: next.at - write.at }];
  });
}
