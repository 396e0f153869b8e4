import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Watches the lease bucket `agent_leases` until every one of the `partitions` partitions of `type` is
 * held, by exactly `workers` workers holding an equal share; resolves with the holders by partition.
 * An event-driven wait (a KV watch), for tests that need their workers balanced before they send.
 */
export async function balancedLeases(connection: NatsConnection, type: string, partitions: number, workers: number): Promise<string[]> {
  const kv = await new Kvm(connection).open('agent_leases');
  const holders = new Map<number, string>();
  const watch = await kv.watch({ key: `${type}.*` });
  for await (const entry of watch) {
    const partition = Number(entry.key.slice(type.length + 1));
    if (entry.operation === 'PUT') holders.set(partition, entry.json<{ worker: string }>().worker);
    else holders.delete(partition);
    const counts = [...holders.values()].reduce((all, worker) => all.set(worker, (all.get(worker) ?? 0) + 1), new Map<string, number>());
    if (holders.size === partitions && counts.size === workers && [...counts.values()].every((n) => n === partitions / workers)) break;
  }
  watch.stop();
  return Array.from({ length: partitions }, (_, p) => holders.get(p)!);
}
