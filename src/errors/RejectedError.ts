import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/**
 * The recipient refused the request as out of its scope (`ctx.reject(reason)`): not a failure of
 * the work itself. Never retried against the same recipient; a caller-side `fallback` reassigns it.
 */
export class RejectedError extends AgentwireError {
  /** Always `'REJECTED'`. */
  readonly code = 'REJECTED' as const;
  /** A short machine-readable reason, e.g. `'out_of_scope'`. */
  readonly reason: string;

  constructor(reason: string, detail?: string, context: AgentwireErrorContext = {}) {
    super(`The request was rejected by ${context.agentId ? String(context.agentId) : 'its recipient'}: ${reason}${detail ? ` (${detail})` : ''}. Send it to another agent (the "fallback" send option reassigns it).`, context);
    this.reason = reason;
  }
}
