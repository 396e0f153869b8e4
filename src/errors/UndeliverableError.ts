import { AgentwireError } from './AgentwireError.js';

/** The message cannot reach its recipient: the agent type is not registered, or an instance-only type has no agent with that key. */
export class UndeliverableError extends AgentwireError {
  /** Always `'UNDELIVERABLE'`. */
  readonly code = 'UNDELIVERABLE' as const;
}
