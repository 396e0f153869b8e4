import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { ensureRequestConsumer } from './ensureRequestConsumer.js';
import type { NatsSession } from './NatsSession.js';
import { requestQueue } from './requestQueue.js';
import { resolveRequestQueueOptions, type RequestQueueOptions } from './RequestQueueOptions.js';

/** Options of {@link RequestWorker.start}. */
export interface RequestWorkerOptions extends RequestQueueOptions {
  /** How long one pull waits for requests, in ms. */
  readonly pullExpiresMs: number;
}

/**
 * @internal The worker loop of one hosted agent type: a durable pull consumer per partition
 * (created unless it exists), each consumed with its own pull, every request handed to `serve`,
 * which settles it (reply, store, ack). Partition leases are not taken yet: every worker of the
 * type pulls every partition, and the per-`AgentId` turn order holds within one process only.
 */
export class RequestWorker {
  private constructor(private readonly pulls: readonly ConsumerMessages[]) {}

  /** Ensures the type's consumers and starts pulling from each of them. */
  static async start(session: NatsSession, type: string, options: RequestWorkerOptions, serve: (message: JsMsg) => void): Promise<RequestWorker> {
    const { partitions, maxAckPending } = resolveRequestQueueOptions(options);
    const pulls = await Promise.all(
      Array.from({ length: partitions }, async (_, partition) => {
        const info = await ensureRequestConsumer(session.manager, type, partition, options);
        const consumer = await session.client.consumers.get(requestQueue.stream, info.name);
        return consumer.consume({ max_messages: Math.min(maxAckPending, 64), expires: options.pullExpiresMs, callback: serve });
      }),
    );
    return new RequestWorker(pulls);
  }

  /** Stops pulling; requests pulled and not acked are redelivered after their ack wait. */
  async stop(): Promise<void> {
    await Promise.all(this.pulls.map((pull) => pull.close()));
  }
}
