import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { BrokerMisconfiguredError } from '../errors/BrokerMisconfiguredError.js';

/** The JetStream handles of one connection: the client (publish, consume) and the manager (streams, consumers). */
export interface JetStreamHandles {
  readonly client: JetStreamClient;
  readonly manager: JetStreamManager;
}

/**
 * Opens JetStream on a connection, checking the server has it enabled.
 *
 * @throws {@link BrokerMisconfiguredError} when the server runs without JetStream; the message says
 *   to start it with `-js` (or `jetstream {}` in its configuration).
 */
export async function openJetStream(connection: NatsConnection): Promise<JetStreamHandles> {
  try {
    const manager = await jetstreamManager(connection);
    return { client: jetstream(connection), manager };
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'JetStreamNotEnabled') throw error;
    throw new BrokerMisconfiguredError(
      `The NATS server at ${connection.getServer()} runs without JetStream, which agentwire needs for durable requests. ` +
        'Start it with `nats-server -js` (or add `jetstream {}` to its configuration).',
      { cause: error },
    );
  }
}
