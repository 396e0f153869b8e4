import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/**
 * A distributed runtime could not reach its message broker (for `agentwire/nats`: no NATS server
 * answered at any of the configured addresses). The message names the addresses tried and what to do.
 */
export class BrokerUnreachableError extends AgentwireError {
  /** Always `'BROKER_UNREACHABLE'`. */
  readonly code = 'BROKER_UNREACHABLE' as const;
  /** The broker addresses that were tried, as configured. */
  readonly servers: readonly string[];

  constructor(message: string, servers: readonly string[], context: AgentwireErrorContext = {}) {
    super(message, context);
    this.servers = servers;
  }
}
