import { AckPolicy, DeliverPolicy, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { BrokerMisconfiguredError } from '../errors/BrokerMisconfiguredError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { requestQueue } from './requestQueue.js';
import { resolveRequestQueueOptions, type RequestQueueOptions } from './RequestQueueOptions.js';

/**
 * Creates the durable pull consumer of one partition of an agent type, `in_<typeToken>_<partition>`,
 * filtered on that partition's subject (explicit acks, `ackWaitMs`, `maxDeliver`, `maxAckPending`),
 * unless it exists. Retry delays are not a server `backoff` (which would also shorten the first ack
 * wait): a worker naks a retriable failure with its own delay.
 *
 * @returns the consumer's info.
 * @throws {@link ConfigurationError} when `partition` is outside `0 … partitions − 1`.
 * @throws {@link BrokerMisconfiguredError} when the consumer exists with another filter or ack policy.
 */
export async function ensureRequestConsumer(
  manager: JetStreamManager,
  type: string,
  partition: number,
  options: RequestQueueOptions = {},
): Promise<ConsumerInfo> {
  const settings = resolveRequestQueueOptions(options);
  if (!Number.isInteger(partition) || partition < 0 || partition >= settings.partitions) {
    throw new ConfigurationError(`partition must be an integer in 0…${settings.partitions - 1}, received ${String(partition)}`);
  }
  const name = requestQueue.consumer(type, partition);
  const subject = requestQueue.subject(type, partition);
  const existing = await consumerInfo(manager, name);
  if (existing !== undefined) return checkConsumer(existing, subject);
  return manager.consumers.add(requestQueue.stream, {
    durable_name: name,
    filter_subject: subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: settings.maxDeliver,
    max_ack_pending: settings.maxAckPending,
  });
}

/** @internal A consumer of the request stream's info, or `undefined` when there is no such consumer. */
export async function consumerInfo(manager: JetStreamManager, name: string): Promise<ConsumerInfo | undefined> {
  try {
    return await manager.consumers.info(requestQueue.stream, name);
  } catch (error) {
    if (error instanceof Error && error.name === 'ConsumerNotFoundError') return undefined;
    throw error;
  }
}

function checkConsumer(info: ConsumerInfo, subject: string): ConsumerInfo {
  const { filter_subject: filter, ack_policy: ackPolicy } = info.config;
  if (filter !== subject || ackPolicy !== AckPolicy.Explicit) {
    throw new BrokerMisconfiguredError(
      `The NATS consumer ${info.name} on ${requestQueue.stream} exists with filter "${String(filter)}" and ack policy "${ackPolicy}"; ` +
        `agentwire needs filter "${subject}" with explicit acks. Delete it (\`nats consumer rm ${requestQueue.stream} ${info.name}\`) to let agentwire create it.`,
    );
  }
  return info;
}
