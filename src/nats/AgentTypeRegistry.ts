import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { kvToken } from './kvToken.js';

/**
 * @internal The agent types some process of the cluster hosts or has hosted, in the KV bucket
 * `agent_types` (no TTL): a worker announces each type it serves; a caller refuses a request to a
 * type no process ever announced (an answer, never a request waiting forever), while requests to a
 * known type whose workers are all down wait durably in the stream.
 */
export class AgentTypeRegistry {
  private readonly known = new Set<string>();

  private constructor(private readonly kv: KV) {}

  /** Creates the bucket unless it exists, and opens it. */
  static async open(connection: NatsConnection, replicas = 1): Promise<AgentTypeRegistry> {
    return new AgentTypeRegistry(await new Kvm(connection).create('agent_types', { history: 1, replicas }));
  }

  /** Records that `workerId` serves `type`. */
  async announce(type: string, workerId: string): Promise<void> {
    await this.kv.put(kvToken(type), JSON.stringify({ worker: workerId }));
    this.known.add(type);
  }

  /** True when some process announced `type` (remembered once seen). */
  async knows(type: string): Promise<boolean> {
    if (this.known.has(type)) return true;
    const entry = await this.kv.get(kvToken(type));
    if (entry === null || entry.operation !== 'PUT') return false;
    this.known.add(type);
    return true;
  }
}
