import { AgentwireError } from './AgentwireError.js';

/** The runtime is not in a state that allows the call (for example starting it twice). */
export class RuntimeStateError extends AgentwireError {
  /** Always `'RUNTIME_STATE'`. */
  readonly code = 'RUNTIME_STATE' as const;
}
