import { isAgentwireError } from '../errors/AgentwireError.js';

const NEVER_RETRIED: ReadonlySet<string> = new Set(['CANT_HANDLE', 'MESSAGE_VALIDATION', 'CIRCUIT_OPEN', 'CANCELLED', 'RUNTIME_STOPPED', 'REJECTED', 'CALLBACK_FAILED', 'DEAD_LETTERED']);

/**
 * True for the errors a retry cannot fix: `CantHandleError`, `MessageValidationError` (the same
 * message fails the same way), `CircuitOpenError` (retrying would hammer an open breaker) and
 * `CancelledError` (the caller gave up), `RuntimeStoppedError` (nothing runs any more) `RejectedError` (the recipient refused: reassign instead), `CallbackError` (a callback of yours threw) and `DeadLetteredError` (a request that cannot be served: each retry would be dead-lettered again; fix the cause and replay it). Matched by `code`, so it works across package copies.
 */
export function isNeverRetried(error: unknown): boolean {
  return isAgentwireError(error) && NEVER_RETRIED.has(error.code);
}
