import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { kvToken, nameOfKvToken } from './kvToken.js';
import { createBucket } from './createBucket.js';

/** What the registry keeps of a type: the last worker that announced it, and the partitions it serves it with. */
interface Announcement {
  readonly worker: string;
  readonly partitions?: number;
}

/**
 * @internal The agent types some process of the cluster hosts or has hosted, in the KV bucket
 * `agent_types` (no TTL): a worker announces each type it serves, with its partition count; a caller
 * refuses a request to a type no process ever announced (an answer, never a request waiting forever),
 * while requests to a known type whose workers are all down wait durably in the stream. A process
 * whose partition count differs from the one a type is served with is refused
 * (`ConfigurationError`): its requests would land on partitions nobody serves, or on another
 * worker's, breaking single activation.
 */
export class AgentTypeRegistry {
  private readonly known = new Set<string>();

  private constructor(
    private readonly kv: KV,
    private readonly partitions: number,
  ) {}

  /** Creates the bucket unless it exists, and opens it for a process with `partitions` partitions per type. */
  static async open(connection: NatsConnection, partitions: number, replicas = 1): Promise<AgentTypeRegistry> {
    return new AgentTypeRegistry(await createBucket(connection, 'agent_types', { history: 1, replicas }), partitions);
  }

  /**
   * Records that `workerId` serves `type`.
   *
   * @throws {@link ConfigurationError} when the type is served with another partition count.
   */
  async announce(type: string, workerId: string): Promise<void> {
    await this.announced(type);
    const announcement: Announcement = { worker: workerId, partitions: this.partitions };
    await this.kv.put(kvToken(type), JSON.stringify(announcement));
    this.known.add(type);
  }

  /** True when `type` is known to be announced already ({@link knows} without asking the bucket). */
  knowsAlready(type: string): boolean {
    return this.known.has(type);
  }

  /**
   * True when some process announced `type` (remembered once seen).
   *
   * @throws {@link ConfigurationError} when the type is served with another partition count.
   */
  async knows(type: string): Promise<boolean> {
    if (this.knowsAlready(type)) return true;
    if ((await this.announced(type)) === undefined) return false;
    this.known.add(type);
    return true;
  }

  /** Every agent type some process announced (hosts or has hosted), in key order. */
  async types(): Promise<string[]> {
    const types: string[] = [];
    for await (const key of await this.kv.keys()) types.push(nameOfKvToken(key));
    return types.sort();
  }

  private async announced(type: string): Promise<Announcement | undefined> {
    const entry = await this.kv.get(kvToken(type));
    if (entry === null || entry.operation !== 'PUT') return undefined;
    const announcement = entry.json<Announcement>();
    if (announcement.partitions !== undefined && announcement.partitions !== this.partitions) {
      throw new ConfigurationError(
        `Agent type "${type}" is served with ${announcement.partitions} partitions in this cluster (announced by worker ${announcement.worker}), ` +
          `but this runtime has partitions: ${this.partitions}. Every process of a cluster must use the same partitions: set partitions: ${announcement.partitions}.`,
      );
    }
    return announcement;
  }
}
