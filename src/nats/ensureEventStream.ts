import type { JetStreamManager, StreamInfo } from '@nats-io/jetstream';
import { ensureLimitsStream } from './ensureLimitsStream.js';
import { eventStream } from './eventStream.js';
import { resolveRequestQueueOptions, type RequestQueueOptions } from './RequestQueueOptions.js';

/**
 * Creates the event stream `AGENT_EVT` (limits retention, file storage, `agent.evt.>`, producer
 * dedup over `duplicateWindowMs`, kept `maxAgeMs`) unless it exists. The request queue's
 * `replicas`, `duplicateWindowMs` and `maxAgeMs` apply: a published message lives as long as a
 * request, and a publish retried with the same message id is stored once. An existing stream is
 * kept as its operator configured it, provided it captures `agent.evt.>`.
 *
 * @returns the stream's info.
 * @throws {@link ConfigurationError} when a setting is not a positive integer.
 * @throws {@link BrokerMisconfiguredError} when `AGENT_EVT` exists without the `agent.evt.>` subjects.
 */
export async function ensureEventStream(manager: JetStreamManager, options: RequestQueueOptions = {}): Promise<StreamInfo> {
  const { replicas, maxAgeMs, duplicateWindowMs } = resolveRequestQueueOptions(options);
  return ensureLimitsStream(manager, { name: eventStream.stream, subjects: eventStream.subjects, replicas, maxAgeMs, duplicateWindowMs });
}
