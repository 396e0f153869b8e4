import { isAgentwireError } from '../errors/AgentwireError.js';

const NEVER_RETRIED: ReadonlySet<string> = new Set(['CANT_HANDLE', 'MESSAGE_VALIDATION', 'CIRCUIT_OPEN', 'CANCELLED', 'RUNTIME_STOPPED', 'REJECTED', 'CALLBACK_FAILED']);

/**
 * True for the errors a retry cannot fix: `CantHandleError`, `MessageValidationError` (the same
 * message fails the same way), `CircuitOpenError` (retrying would hammer an open breaker) and
 * `CancelledError` (the caller gave up), `RuntimeStoppedError` (nothing runs any more) `RejectedError` (the recipient refused: reassign instead) and `CallbackError` (a callback of yours threw). Matched by `code`, so it works across package copies.
 */
export function isNeverRetried(error: unknown): boolean {
  return isAgentwireError(error) && NEVER_RETRIED.has(error.code);
}
