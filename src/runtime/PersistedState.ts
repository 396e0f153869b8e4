/** @internal What the runtime knows about the stored state of one activated agent (see `AgentSlot.persisted`). */
export interface PersistedState {
  /** The store's revision of the last load or save (`undefined`: nothing stored yet). */
  revision: number | undefined;
  /** The last state loaded or saved, as JSON text (`undefined`: not JSON-able, always saved). */
  text: string | undefined;
  /** The turn-end saves of this agent, one after the other; undefined when none is pending. */
  saving: Promise<void> | undefined;
  /** The agent's deactivation in progress (its state being saved): an activation waits for it. */
  deactivating: Promise<void> | undefined;
  /** The slot's turn count at the previous sweep (an agent whose count did not move is idle). */
  sweptTurns: number;
}
