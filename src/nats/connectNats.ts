import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BrokerUnreachableError } from '../errors/BrokerUnreachableError.js';
import type { NatsConnectionOptions } from './NatsConnectionOptions.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
/** Between two reconnection attempts to one server (the client's default is 2 s). */
const DEFAULT_RECONNECT_WAIT_MS = 1_000;

/**
 * Connects to the NATS servers of an agentwire cluster with the official client. Once connected,
 * the connection outlives broker restarts: it reconnects for as long as it stays open (a try every
 * second per server, unless `client` sets `maxReconnectAttempts` / `reconnectTimeWait`), buffering
 * what is published meanwhile; subscriptions, JetStream pulls and KV watches resume on reconnect.
 *
 * @throws {@link BrokerUnreachableError} when no server answers (refused, unknown host, timed out);
 *   the message names the addresses tried and how to start a server. Other failures (credentials,
 *   permissions) are the client's own errors.
 */
export async function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  const servers = typeof options.servers === 'string' ? [options.servers] : [...options.servers];
  try {
    return await connect({
      noAsyncTraces: true, // no stack captured for every request (each PubAck, ack): a hot-path cost; options.client may turn them back on
      maxReconnectAttempts: -1, // a broker restart must not leave a worker disconnected for good
      reconnectTimeWait: DEFAULT_RECONNECT_WAIT_MS,
      ...options.client,
      servers,
      timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      ...(options.name === undefined ? {} : { name: options.name }),
    });
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    throw new BrokerUnreachableError(
      `Cannot reach a NATS server at ${servers.join(', ')} (${reason(error)}). ` +
        'Start one with JetStream enabled (`nats-server -js`), or pass the address of a running one in `servers`.',
      servers,
      { cause: error },
    );
  }
}

/** Network failures: the client's ConnectionError (refused, timed out) or a socket error such as ENOTFOUND. */
function isUnreachable(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ConnectionError' || error.name === 'TimeoutError') return true;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)$/.test(code);
}

function reason(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error && cause.message !== '' ? `${error.message}: ${cause.message}` : error.message;
}
