import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AgentTypeRegistry } from './AgentTypeRegistry.js';
import { connectNats } from './connectNats.js';
import { ensureRequestStream } from './ensureRequestStream.js';
import type { NatsConnectionOptions } from './NatsConnectionOptions.js';
import { resolveRequestQueueOptions, type RequestQueueOptions } from './RequestQueueOptions.js';
import { openJetStream } from './openJetStream.js';
import { ReplyInbox } from './ReplyInbox.js';
import { ResultStore } from './ResultStore.js';

/**
 * @internal One process's link to the cluster while its runtime runs: the connection, its JetStream
 * handles, the request stream (created unless it exists), the caller's reply inbox, the result
 * store and the registry of hosted agent types. Opened by `start()`, closed by `stop()`.
 */
export class NatsSession {
  private constructor(
    readonly connection: NatsConnection,
    readonly client: JetStreamClient,
    readonly manager: JetStreamManager,
    readonly inbox: ReplyInbox,
    readonly results: ResultStore,
    readonly types: AgentTypeRegistry,
  ) {}

  /** Connects, opens JetStream, ensures the request stream, opens the inbox and the result store. */
  static async open(options: NatsConnectionOptions, queue: RequestQueueOptions, workerId: string): Promise<NatsSession> {
    const { servers, name = `agentwire ${workerId}`, connectTimeoutMs, client: clientOptions } = options;
    const connection = await connectNats({ servers, name, connectTimeoutMs, client: clientOptions });
    try {
      const { client, manager } = await openJetStream(connection);
      await ensureRequestStream(manager, queue);
      const [inbox, results, types] = await Promise.all([ReplyInbox.open(connection), ResultStore.open(connection), AgentTypeRegistry.open(connection, resolveRequestQueueOptions(queue).partitions)]);
      return new NatsSession(connection, client, manager, inbox, results, types);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** Stops the inbox and closes the connection (after flushing what was published). */
  async close(): Promise<void> {
    this.inbox.close();
    await this.connection.flush().catch(() => undefined);
    await this.connection.close();
  }
}
