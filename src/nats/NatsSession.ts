import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AgentTypeRegistry } from './AgentTypeRegistry.js';
import { connectNats } from './connectNats.js';
import { ensureDeadLetterStream } from './ensureDeadLetterStream.js';
import { ensureEventStream } from './ensureEventStream.js';
import { ensureRequestStream } from './ensureRequestStream.js';
import { IdempotencyStore } from './IdempotencyStore.js';
import type { NatsConnectionOptions } from './NatsConnectionOptions.js';
import { resolveRequestQueueOptions, type RequestQueueOptions } from './RequestQueueOptions.js';
import { openJetStream } from './openJetStream.js';
import { ReplyInbox } from './ReplyInbox.js';
import { ResultStore } from './ResultStore.js';
import { StreamPublisher } from './StreamPublisher.js';
import { SubscriptionRegistry } from './SubscriptionRegistry.js';

/**
 * @internal One process's link to the cluster while its runtime runs: the connection, its JetStream
 * handles, the request, event and dead-letter streams (created unless they exist), the caller's reply inbox,
 * the result store, the registries of hosted agent types and of subscriptions, and the idempotency store of `ctx.once`.
 * Opened by `start()`, closed by `stop()`.
 */
export class NatsSession {
  private constructor(
    readonly connection: NatsConnection,
    readonly client: JetStreamClient,
    readonly manager: JetStreamManager,
    readonly inbox: ReplyInbox,
    readonly results: ResultStore,
    readonly types: AgentTypeRegistry,
    /** Where `ctx.once` records the outcomes of side effects (`agent_idem`). */
    readonly idempotency: IdempotencyStore,
    readonly subscriptions: SubscriptionRegistry,
    /** JetStream publishes whose PubAcks come to one subscription (requests, stored answers). */
    readonly publisher: StreamPublisher,
  ) {}

  /** Connects, opens JetStream, ensures the streams, opens the inbox (on `inboxSubject`, else a fresh one), the result store (`resultTtlMs`: its TTL) and the registries. */
  static async open(options: NatsConnectionOptions & { readonly resultTtlMs?: number | undefined }, queue: RequestQueueOptions, workerId: string, inboxSubject?: string): Promise<NatsSession> {
    const { servers, name = `agentwire ${workerId}`, connectTimeoutMs, client: clientOptions } = options;
    const connection = await connectNats({ servers, name, connectTimeoutMs, client: clientOptions });
    try {
      const { client, manager } = await openJetStream(connection);
      const publisher = new StreamPublisher(connection);
      await Promise.all([ensureRequestStream(manager, queue), ensureEventStream(manager, queue), ensureDeadLetterStream(manager, queue.replicas === undefined ? {} : { replicas: queue.replicas })]);
      const [inbox, results, types, idempotency, subscriptions] = await Promise.all([
        ReplyInbox.open(connection, inboxSubject === undefined ? {} : { subject: inboxSubject }),
        ResultStore.open(connection, options.resultTtlMs === undefined ? {} : { ttlMs: options.resultTtlMs }, publisher),
        AgentTypeRegistry.open(connection, resolveRequestQueueOptions(queue).partitions),
        IdempotencyStore.open(connection),
        SubscriptionRegistry.open(connection),
      ]);
      return new NatsSession(connection, client, manager, inbox, results, types, idempotency, subscriptions, publisher);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** Stops the inbox and closes the connection (after flushing what was published). */
  async close(): Promise<void> {
    this.inbox.close();
    this.subscriptions.stop();
    this.publisher.close();
    await this.connection.flush().catch(() => undefined);
    await this.connection.close();
  }
}
