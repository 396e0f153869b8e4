import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/**
 * An agent's state could not be saved: the state store holds a newer revision than the one this
 * runtime loaded (its `AgentStateStore.save` refused the compare-and-set). Another owner wrote the
 * agent's state since — in a cluster, another worker took the agent's partition — so this copy of
 * the agent is stale: the runtime drops it (the next message loads the stored state) and does not
 * commit the turn whose state it was (`NatsAgentRuntime` leaves the request to be delivered again).
 * Nothing needs fixing unless it happens often: then two processes serve the same agents (check the
 * partition leases) or something else writes the state store.
 */
export class StaleStateError extends AgentwireError {
  /** Always `'STATE_CONFLICT'`. */
  readonly code = 'STATE_CONFLICT' as const;

  constructor(message: string, context: AgentwireErrorContext = {}) {
    super(message, context);
  }
}
