import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentId } from '../../../src/index.js';
import { PartitionLeases, partitionOf } from '../natsApi.js';

/** Resolves once `worker` holds the lease of `agent`'s partition (of `partitions`): a watch of the lease bucket. */
export async function heldBy(connection: NatsConnection, agent: AgentId, worker: string, partitions: number): Promise<void> {
  const kv = await new Kvm(connection).open('agent_leases');
  const watch = await kv.watch({ key: PartitionLeases.keyOf(agent.type, partitionOf(agent.type, agent.key, partitions)) });
  for await (const entry of watch) if (entry.operation === 'PUT' && entry.json<{ worker: string }>().worker === worker) break;
  watch.stop();
}
