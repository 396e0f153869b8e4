import { AgentwireError } from './AgentwireError.js';

/** The runtime stopped while the request was queued or in flight. */
export class RuntimeStoppedError extends AgentwireError {
  /** Always `'RUNTIME_STOPPED'`. */
  readonly code = 'RUNTIME_STOPPED' as const;
}
