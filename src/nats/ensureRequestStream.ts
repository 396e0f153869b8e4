import { RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { BrokerMisconfiguredError } from '../errors/BrokerMisconfiguredError.js';
import { requestQueue } from './requestQueue.js';
import { resolveRequestQueueOptions, type RequestQueueOptions } from './RequestQueueOptions.js';
import { addStream } from './addStream.js';
import { streamInfo } from './streamInfo.js';

/**
 * Creates the request stream `AGENT_IN` (work-queue retention, file storage, producer dedup over
 * `duplicateWindowMs`) unless it exists. An existing stream is kept as its operator configured it,
 * provided it is a work queue on `agent.in.>`.
 *
 * @returns the stream's info.
 * @throws {@link BrokerMisconfiguredError} when `AGENT_IN` exists with another retention or without
 *   the `agent.in.>` subjects; the message says how to fix it.
 */
export async function ensureRequestStream(manager: JetStreamManager, options: RequestQueueOptions = {}): Promise<StreamInfo> {
  const existing = await streamInfo(manager, requestQueue.stream);
  if (existing !== undefined) return checkStream(existing);
  const settings = resolveRequestQueueOptions(options);
  return addStream(manager, {
    name: requestQueue.stream,
    subjects: [requestQueue.subjects],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: settings.replicas,
    duplicate_window: nanos(settings.duplicateWindowMs),
    max_age: nanos(settings.maxAgeMs),
  }, checkStream);
}

function checkStream(info: StreamInfo): StreamInfo {
  const { retention, subjects = [] } = info.config;
  if (retention !== RetentionPolicy.Workqueue || !subjects.includes(requestQueue.subjects)) {
    throw new BrokerMisconfiguredError(
      `The NATS stream ${requestQueue.stream} exists with retention "${retention}" and subjects [${subjects.join(', ')}]; ` +
        `agentwire needs a work-queue stream on "${requestQueue.subjects}". ` +
        `Delete it (\`nats stream rm ${requestQueue.stream}\`) to let agentwire create it, or reconfigure it.`,
    );
  }
  return info;
}
