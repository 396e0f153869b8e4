import { AgentwireError } from './AgentwireError.js';

/** The factory of an agent threw, or produced an object of the wrong class. */
export class AgentConstructionError extends AgentwireError {
  /** Always `'AGENT_CONSTRUCTION'`. */
  readonly code = 'AGENT_CONSTRUCTION' as const;
}
