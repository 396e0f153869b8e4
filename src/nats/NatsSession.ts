import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AgentTypeRegistry } from './AgentTypeRegistry.js';
import { connectNats } from './connectNats.js';
import { ensureEventStream } from './ensureEventStream.js';
import { ensureRequestStream } from './ensureRequestStream.js';
import type { NatsConnectionOptions } from './NatsConnectionOptions.js';
import type { RequestQueueOptions } from './RequestQueueOptions.js';
import { openJetStream } from './openJetStream.js';
import { ReplyInbox } from './ReplyInbox.js';
import { ResultStore } from './ResultStore.js';
import { SubscriptionRegistry } from './SubscriptionRegistry.js';

/**
 * @internal One process's link to the cluster while its runtime runs: the connection, its JetStream
 * handles, the request and event streams (created unless they exist), the caller's reply inbox,
 * the result store and the registries of hosted agent types and of subscriptions. Opened by `start()`, closed by `stop()`.
 */
export class NatsSession {
  private constructor(
    readonly connection: NatsConnection,
    readonly client: JetStreamClient,
    readonly manager: JetStreamManager,
    readonly inbox: ReplyInbox,
    readonly results: ResultStore,
    readonly types: AgentTypeRegistry,
    readonly subscriptions: SubscriptionRegistry,
  ) {}

  /** Connects, opens JetStream, ensures the streams, opens the inbox, the result store and the registries. */
  static async open(options: NatsConnectionOptions, queue: RequestQueueOptions, workerId: string): Promise<NatsSession> {
    const { servers, name = `agentwire ${workerId}`, connectTimeoutMs, client: clientOptions } = options;
    const connection = await connectNats({ servers, name, connectTimeoutMs, client: clientOptions });
    try {
      const { client, manager } = await openJetStream(connection);
      await Promise.all([ensureRequestStream(manager, queue), ensureEventStream(manager, queue)]);
      const [inbox, results, types, subscriptions] = await Promise.all([ReplyInbox.open(connection), ResultStore.open(connection), AgentTypeRegistry.open(connection), SubscriptionRegistry.open(connection)]);
      return new NatsSession(connection, client, manager, inbox, results, types, subscriptions);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** Stops the inbox and closes the connection (after flushing what was published). */
  async close(): Promise<void> {
    this.inbox.close();
    this.subscriptions.stop();
    await this.connection.flush().catch(() => undefined);
    await this.connection.close();
  }
}
