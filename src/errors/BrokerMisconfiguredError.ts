import { AgentwireError } from './AgentwireError.js';

/**
 * The message broker is reachable but not set up as a distributed runtime needs it: persistence
 * (JetStream) off, a stream or consumer missing, or one that exists with incompatible settings.
 * The message names the object and how to fix it.
 */
export class BrokerMisconfiguredError extends AgentwireError {
  /** Always `'BROKER_MISCONFIGURED'`. */
  readonly code = 'BROKER_MISCONFIGURED' as const;
}
