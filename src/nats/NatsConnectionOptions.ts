import type { NodeConnectionOptions } from '@nats-io/transport-node';

/** How a process connects to the NATS servers of an agentwire cluster. */
export interface NatsConnectionOptions {
  /** One or more server addresses, e.g. `'nats://127.0.0.1:4222'` or `['nats://a:4222', 'nats://b:4222']`. */
  readonly servers: string | readonly string[];
  /** The connection's name as the server reports it (monitoring, `nats server report connections`). */
  readonly name?: string;
  /** How long to wait for the first connection, in ms. Default 2000. */
  readonly connectTimeoutMs?: number;
  /**
   * Further options of the official client (`@nats-io/transport-node`), e.g. credentials or TLS;
   * `servers`, `name` and `timeout` above take precedence. agentwire's defaults differ from the
   * client's in reconnecting: `maxReconnectAttempts: -1` (for as long as the connection is open, so a
   * broker restart never strands a worker) and `reconnectTimeWait: 1000`.
   */
  readonly client?: Omit<NodeConnectionOptions, 'servers' | 'name' | 'timeout'>;
}
