import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/**
 * A request a broker accepted was not picked up by any process within the pickup limit
 * (`NatsAgentRuntimeOptions.pickupTimeoutMs`): no worker of the recipient's type is running, or they
 * are too backlogged to start it. The caller gave it up (a caller-side breaker counts it as a
 * failure; a retry may succeed once a worker is back). Start a worker hosting the type, add workers,
 * or raise the limit.
 */
export class UnavailableError extends AgentwireError {
  /** Always `'UNAVAILABLE'`. */
  readonly code = 'UNAVAILABLE' as const;

  constructor(message: string, context: AgentwireErrorContext = {}) {
    super(message, context);
  }
}
