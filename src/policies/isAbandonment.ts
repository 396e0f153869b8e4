import { isAgentwireError } from '../errors/AgentwireError.js';

/**
 * True for the errors that end a call without saying anything about the work it ran: the caller
 * cancelled it (`CancelledError`) or the runtime stopped (`RuntimeStoppedError`). They are never
 * retried, never replaced by a fallback, and never count as a circuit breaker failure.
 */
export function isAbandonment(error: unknown): boolean {
  return isAgentwireError(error) && (error.code === 'CANCELLED' || error.code === 'RUNTIME_STOPPED');
}
