import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/** The circuit breaker is open (or half-open and out of trial slots): the call was not attempted. */
export class CircuitOpenError extends AgentwireError {
  /** Always `'CIRCUIT_OPEN'`. */
  readonly code = 'CIRCUIT_OPEN' as const;
  /** Milliseconds until the breaker will admit a trial call (0 when half-open and busy). */
  readonly retryAfter: number;

  constructor(retryAfter: number, context: AgentwireErrorContext = {}, detail = 'The circuit breaker is open') {
    super(`${detail}; the call was not attempted. ${Number.isFinite(retryAfter) ? `Retry after ${Math.max(0, Math.ceil(retryAfter))} ms.` : 'It stays closed to calls until the breaker is reset.'}`, context);
    this.retryAfter = retryAfter;
  }
}
