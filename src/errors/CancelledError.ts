import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/** The caller cancelled the request through its `AbortSignal` (or the call chain it belongs to was cancelled). */
export class CancelledError extends AgentwireError {
  /** Always `'CANCELLED'`. */
  readonly code = 'CANCELLED' as const;

  constructor(message = 'The request was cancelled by its caller.', context: AgentwireErrorContext = {}) {
    super(message, context);
  }
}
