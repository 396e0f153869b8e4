import type { AgentId } from '../core/AgentId.js';
import type { AgentStateStore, StoredAgentState } from '../core/AgentStateStore.js';
import { StaleStateError } from '../errors/StaleStateError.js';

/**
 * An {@link AgentStateStore} in this process's memory: each agent's latest state (a
 * `structuredClone` of what its `saveState()` returned, so the agent's later changes do not leak
 * into it) and revision. It outlives the agents it holds — an agent passivated by the runtime's
 * `passivateAfterMs` comes back with its state — but not the process. It holds one record per agent
 * ever saved; to keep state across restarts, implement the interface over a database.
 *
 * @example
 * ```ts
 * const runtime = new SingleThreadedAgentRuntime({ stateStore: new MemoryAgentStateStore(), passivateAfterMs: 60_000 });
 * ```
 */
export class MemoryAgentStateStore implements AgentStateStore {
  private readonly records = new Map<string, StoredAgentState>();

  /** How many agents have a stored state. */
  get size(): number {
    return this.records.size;
  }

  /** The stored state of `id` (a copy) and its revision, if any. */
  async load(id: AgentId): Promise<StoredAgentState | undefined> {
    const record = this.records.get(id.toString());
    return record === undefined ? undefined : { state: structuredClone(record.state), revision: record.revision };
  }

  /** Keeps a copy of `state` for `id` when the stored revision is `expectedRevision`; resolves with the new revision. @throws {@link StaleStateError} otherwise. */
  async save(id: AgentId, state: unknown, expectedRevision: number | undefined): Promise<number> {
    const key = id.toString();
    const current = this.records.get(key)?.revision;
    if (current !== expectedRevision) {
      throw new StaleStateError(
        `The state of agent "${key}" is at revision ${String(current)} in the store, not ${String(expectedRevision)}: another owner saved it since. This copy of the agent is dropped; its next message loads the stored state.`,
        { agentId: id },
      );
    }
    const revision = (current ?? 0) + 1;
    this.records.set(key, { state: structuredClone(state), revision });
    return revision;
  }
}
