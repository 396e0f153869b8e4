import { createHash } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AgentId } from '../core/AgentId.js';
import type { AgentStateStore, StoredAgentState } from '../core/AgentStateStore.js';
import { StaleStateError } from '../errors/StaleStateError.js';
import { isWrongRevision } from './isWrongRevision.js';
import { kvToken } from './kvToken.js';
import { createBucket } from './createBucket.js';

/** Options of {@link AgentStateBucket.open}. */
export interface AgentStateBucketOptions {
  /** The bucket's name. Default `agent_state`. */
  readonly bucket?: string;
  /** Bucket replicas: 1 for a single server, 3 in production. Default 1. */
  readonly replicas?: number;
}

/** What the bucket holds per agent: its id (to tell a hashed key's agent) and its state. */
interface StateRecord {
  readonly id: string;
  readonly state: unknown;
}

/** The longest key token kept readable; a longer one is replaced by the SHA-256 of the key. */
const READABLE_KEY_LENGTH = 128;

/**
 * Agents' state in a NATS KV bucket (distributed.md §5.1, `agent_state`; history 1, no TTL), one
 * record per `AgentId` as JSON, written with compare-and-set on the KV revision: `save` at a
 * revision that is no longer the record's (or a create of an existing record) is refused with
 * {@link StaleStateError}, so a stale owner cannot overwrite a newer state — the CAS doubles as a
 * fence. `NatsAgentRuntime` keeps its agents' state here (through the lease fence of its worker);
 * open one yourself to read or repair a state from a tool.
 */
export class AgentStateBucket implements AgentStateStore {
  private constructor(private readonly kv: KV) {}

  /** Creates the bucket (history 1, no TTL) unless it exists, and opens it. */
  static async open(connection: NatsConnection, options: AgentStateBucketOptions = {}): Promise<AgentStateBucket> {
    const kv = await createBucket(connection, options.bucket ?? 'agent_state', { history: 1, replicas: options.replicas ?? 1 });
    return new AgentStateBucket(kv);
  }

  /**
   * The KV key of `id`'s state: `<type>.<key>` as {@link kvToken}s; a key whose token would be longer
   * than 128 characters is replaced by `h_` and the hex SHA-256 of the key (never a plain or encoded
   * token, so no two agents share a record).
   */
  static keyOf(id: AgentId): string {
    const key = kvToken(id.key);
    const token = key.length <= READABLE_KEY_LENGTH ? key : `h_${createHash('sha256').update(id.key, 'utf8').digest('hex')}`;
    return `${kvToken(id.type)}.${token}`;
  }

  /** The stored state of `id` and its revision, if any. */
  async load(id: AgentId): Promise<StoredAgentState | undefined> {
    const entry = await this.kv.get(AgentStateBucket.keyOf(id));
    if (entry === null || entry.operation !== 'PUT') return undefined;
    return { state: entry.json<StateRecord>().state, revision: entry.revision };
  }

  /**
   * Writes `state` (as JSON) if the record is still at `expectedRevision` (`undefined`: only if there
   * is none), and resolves with the new revision.
   *
   * @throws {@link StaleStateError} when the record's revision is another (someone wrote it since).
   */
  async save(id: AgentId, state: unknown, expectedRevision: number | undefined): Promise<number> {
    const key = AgentStateBucket.keyOf(id);
    const body = JSON.stringify({ id: id.toString(), state } satisfies StateRecord);
    try {
      return expectedRevision === undefined ? await this.kv.create(key, body) : await this.kv.update(key, body, expectedRevision);
    } catch (error) {
      if (!isWrongRevision(error)) throw error;
      throw new StaleStateError(
        `The state of agent "${String(id)}" in the bucket is no longer at revision ${String(expectedRevision ?? 'none')}: another owner (a worker that took its partition) saved it since. This copy of the agent is dropped; its next message loads the stored state.`,
        { agentId: id, cause: error },
      );
    }
  }
}
