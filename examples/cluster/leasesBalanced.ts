import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { PartitionLeases } from '../../src/nats/index.js';

/**
 * Resolves once every partition of every type in `types` is leased and the leases are split evenly
 * over `workers` workers (each holds ⌈partitions / workers⌉ or one less), watching the `agent_leases`
 * bucket; resolves `false` when that does not happen within `limitMs` (the cluster works anyway, unevenly).
 */
export async function leasesBalanced(connection: NatsConnection, types: readonly string[], partitions: number, workers: number, limitMs: number): Promise<boolean> {
  const kv = await new Kvm(connection).open('agent_leases');
  const keys = new Map(types.flatMap((type) => Array.from({ length: partitions }, (_, p) => [PartitionLeases.keyOf(type, p), type] as const)));
  const holders = new Map<string, string>();
  const watch = await kv.watch({ key: '>' });
  const timer = setTimeout(() => watch.stop(), limitMs);
  try {
    for await (const entry of watch) {
      if (!keys.has(entry.key)) continue;
      if (entry.operation === 'PUT') holders.set(entry.key, entry.json<{ worker: string }>().worker);
      else holders.delete(entry.key);
      if (holders.size === keys.size && types.every((type) => evenlySplit(holders, keys, type, workers))) return true;
    }
    return false;
  } finally {
    clearTimeout(timer);
    watch.stop();
  }
}

function evenlySplit(holders: ReadonlyMap<string, string>, keys: ReadonlyMap<string, string>, type: string, workers: number): boolean {
  const counts = new Map<string, number>();
  for (const [key, worker] of holders) if (keys.get(key) === type) counts.set(worker, (counts.get(worker) ?? 0) + 1);
  const held = [...counts.values()];
  return counts.size === workers && Math.max(...held) - Math.min(...held) <= 1;
}
