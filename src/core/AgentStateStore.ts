import type { AgentId } from './AgentId.js';

/** An agent's state as a {@link AgentStateStore} keeps it: the state, and the revision it was written at. */
export interface StoredAgentState {
  /** What the agent's `saveState()` returned (as the store keeps it: a copy, or decoded JSON). */
  readonly state: unknown;
  /** The store's revision of this write (≥ 1); pass it to the next `save` of the agent. */
  readonly revision: number;
}

/**
 * Where a runtime keeps the state of the agents it creates through their factories, one record per
 * `AgentId` written with compare-and-set on a revision, so a stale copy of an agent (one that
 * another owner has written since) cannot overwrite a newer state. The runtime loads an agent's
 * state when it activates the agent (before its first handler runs), saves it at the end of each
 * turn that changed it (or only when deactivating the agent, per the `stateSaving` option) and
 * before passivating it. `SingleThreadedAgentRuntime` takes one with the option `stateStore`
 * (`MemoryAgentStateStore` keeps them in this process's memory); `NatsAgentRuntime` keeps them in
 * the cluster's KV bucket `agent_state` by default.
 */
export interface AgentStateStore {
  /** The stored state of `id` and its revision, or `undefined` when none is stored. */
  load(id: AgentId): Promise<StoredAgentState | undefined>;
  /**
   * Writes `state` for `id` if the stored record is still at `expectedRevision` (`undefined`: only
   * if none is stored), and resolves with the new revision.
   *
   * @throws {@link StaleStateError} (code `STATE_CONFLICT`) when the stored revision is another: someone wrote it since.
   */
  save(id: AgentId, state: unknown, expectedRevision: number | undefined): Promise<number>;
}
