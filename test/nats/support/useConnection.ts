import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll } from 'vitest';
import { connectNats, openJetStream } from '../natsApi.js';
import type { NatsServer } from './NatsServer.js';

/** A connection to a suite's server and its JetStream handles. */
export interface ConnectionHandles {
  readonly connection: NatsConnection;
  readonly client: JetStreamClient;
  readonly manager: JetStreamManager;
}

/**
 * Connects to the suite's server before its tests (through `connectNats` and `openJetStream`) and
 * closes the connection after them; the returned function gives the handles inside tests and hooks.
 */
export function useConnection(server: () => NatsServer, name = 'agentwire-test'): () => ConnectionHandles {
  let handles: ConnectionHandles | undefined;
  beforeAll(async () => {
    const connection = await connectNats({ servers: server().url, name });
    handles = { connection, ...(await openJetStream(connection)) };
  });
  afterAll(async () => {
    await handles?.connection.close();
  });
  return () => {
    if (handles === undefined) throw new Error('not connected (the beforeAll hook failed?)');
    return handles;
  };
}
