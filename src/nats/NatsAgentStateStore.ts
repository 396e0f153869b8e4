import type { AgentId } from '../core/AgentId.js';
import type { AgentStateStore, StoredAgentState } from '../core/AgentStateStore.js';
import { FencedError } from '../errors/FencedError.js';
import { AgentStateBucket } from './AgentStateBucket.js';
import type { NatsSession } from './NatsSession.js';

/** @internal What a {@link NatsAgentStateStore} works with. */
export interface NatsAgentStateStoreEnvironment {
  /** The running runtime's session (waits for the connection); undefined before `start()`. */
  session(): Promise<NatsSession> | undefined;
  /** True when this worker may not write `id`'s state: it does not hold a fresh lease of the agent's partition. */
  fenced(id: AgentId): boolean;
}

/**
 * @internal `NatsAgentRuntime`'s default `stateStore`: agents' state in the cluster's `agent_state`
 * bucket ({@link AgentStateBucket}, opened once per session), written only while this worker holds
 * a fresh lease of the agent's partition (else `FencedError`: the turn is not committed, its request
 * is left to the owner) and with compare-and-set on the revision (a stale copy's write is refused
 * with `StaleStateError`).
 */
export class NatsAgentStateStore implements AgentStateStore {
  private readonly buckets = new WeakMap<NatsSession, Promise<AgentStateBucket>>();
  /** Loads and saves under way (`NatsAgentRuntime.quiescent()` waits for them). */
  private inFlight = 0;

  constructor(private readonly env: NatsAgentStateStoreEnvironment) {}

  /** True while a load or save is under way. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Opens the `agent_state` bucket of `session` now (a worker does before it pulls, so its first activation does not wait for it). */
  async open(session: Promise<NatsSession>): Promise<void> {
    await this.bucket(session);
  }

  /**
   * The stored state of `id`. Before `start()` nothing is known: `undefined` (an agent activated then
   * starts from its initial state; should a record exist, its first save is refused with
   * `StaleStateError` and the agent reloaded, the turn redelivered).
   */
  async load(id: AgentId): Promise<StoredAgentState | undefined> {
    const session = this.env.session();
    if (session === undefined) return undefined;
    return this.tracked(async () => (await this.bucket(session)).load(id));
  }

  save(id: AgentId, state: unknown, expectedRevision: number | undefined): Promise<number> {
    return this.tracked(() => this.fencedSave(id, state, expectedRevision));
  }

  private async fencedSave(id: AgentId, state: unknown, expectedRevision: number | undefined): Promise<number> {
    const session = this.env.session();
    const bucket = session === undefined ? undefined : await this.bucket(session);
    if (bucket === undefined || this.env.fenced(id)) {
      throw new FencedError(
        `Did not save the state of agent "${String(id)}": this worker's lease of its partition is stale or gone, another worker may own it. The turn is not committed (its request is left to the owner).`,
        { agentId: id },
      );
    }
    return bucket.save(id, state, expectedRevision);
  }

  private async tracked<T>(operation: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await operation();
    } finally {
      this.inFlight--;
    }
  }

  /** The bucket of the current session, opened on first use. */
  private async bucket(opening: Promise<NatsSession>): Promise<AgentStateBucket> {
    const session = await opening;
    let bucket = this.buckets.get(session);
    if (bucket === undefined) {
      bucket = AgentStateBucket.open(session.connection);
      bucket.catch(() => this.buckets.delete(session)); // try again on the next call
      this.buckets.set(session, bucket);
    }
    return bucket;
  }
}
