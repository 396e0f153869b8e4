import { CancelledError } from '../errors/CancelledError.js';

/**
 * The error a policy rejects with when the caller's signal aborts: the signal's reason when that
 * is already a {@link CancelledError}, else a new one with the reason as its `cause`.
 */
export function toCancelledError(signal: AbortSignal): CancelledError {
  const reason: unknown = signal.reason;
  if (reason instanceof CancelledError) return reason;
  return new CancelledError(undefined, { cause: reason });
}
