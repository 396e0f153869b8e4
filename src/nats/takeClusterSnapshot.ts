import type { AgentId } from '../core/AgentId.js';
import type { AgentTypeSnapshot, CallerBreakerSnapshot, ClusterSnapshot, PartitionSnapshot } from '../core/ClusterSnapshot.js';
import type { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import type { Clock } from '../util/Clock.js';
import { wallTimeOf } from '../util/wallTimeOf.js';
import { deadLetterQueue } from './deadLetterQueue.js';
import { consumerInfo } from './ensureRequestConsumer.js';
import type { NatsSession } from './NatsSession.js';
import type { PartitionLeases } from './PartitionLeases.js';
import { requestQueue } from './requestQueue.js';
import { streamInfo } from './streamInfo.js';

/** @internal Where {@link takeClusterSnapshot} reads from. */
export interface ClusterSnapshotSources {
  readonly session: NatsSession;
  readonly leases: PartitionLeases;
  /** The agent types this process hosts (listed even before the cluster knows them). */
  readonly hosted: Iterable<string>;
  readonly partitions: number;
  readonly workerId: string;
  readonly clock: Clock;
  /** This process's caller-side breakers. */
  readonly breakers: Iterable<{ readonly recipient: AgentId; readonly breaker: CircuitBreakerPolicy }>;
}

/**
 * @internal Reads a {@link ClusterSnapshot} from the broker: the agent types of `agent_types` (and
 * those hosted here), per type the workers present and per partition the lease holder and the
 * consumer's pending counts, the depth of `AGENT_DLQ`; plus this process's breakers.
 */
export async function takeClusterSnapshot(sources: ClusterSnapshotSources): Promise<ClusterSnapshot> {
  const { session, clock } = sources;
  const at = clock.now();
  const breakers: CallerBreakerSnapshot[] = [...sources.breakers].map(({ recipient, breaker }) => ({ recipient: String(recipient), state: breaker.state }));
  const types = [...new Set([...sources.hosted, ...(await session.types.types())])].sort();
  const [snapshots, dlq] = await Promise.all([Promise.all(types.map((type) => agentTypeSnapshot(sources, type))), streamInfo(session.manager, deadLetterQueue.stream)]);
  return {
    at,
    wallTime: wallTimeOf(clock, at),
    workerId: sources.workerId,
    agentTypes: Object.fromEntries(types.map((type, i) => [type, snapshots[i]!])),
    deadLetters: dlq?.state.messages ?? 0,
    breakers,
  };
}

async function agentTypeSnapshot(sources: ClusterSnapshotSources, type: string): Promise<AgentTypeSnapshot> {
  const [workers, partitions] = await Promise.all([
    sources.leases.presentWorkers(type),
    Promise.all(Array.from({ length: sources.partitions }, (_, p) => partitionSnapshot(sources, type, p))),
  ]);
  return { workers, partitions, pending: partitions.reduce((sum, p) => sum + p.waiting + p.inFlight, 0) };
}

async function partitionSnapshot({ session, leases }: ClusterSnapshotSources, type: string, partition: number): Promise<PartitionSnapshot> {
  const [holder, info] = await Promise.all([leases.holder(type, partition), consumerInfo(session.manager, requestQueue.consumer(type, partition))]);
  return { partition, owner: holder?.worker, waiting: info?.num_pending ?? 0, inFlight: info?.num_ack_pending ?? 0 };
}
