import { RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { BrokerMisconfiguredError } from '../errors/BrokerMisconfiguredError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { deadLetterQueue } from './deadLetterQueue.js';
import { streamInfo } from './streamInfo.js';

/** Options of {@link ensureDeadLetterStream}. */
export interface DeadLetterStreamOptions {
  /** How long a dead letter is kept, in ms. Default 30 days. */
  readonly maxAgeMs?: number;
  /** Stream replicas: 1 for a single server, 3 in production. Default 1. */
  readonly replicas?: number;
  /** How long the server remembers a dead letter's id to drop a second copy of it, in ms (at most `maxAgeMs`). Default 10 minutes. */
  readonly duplicateWindowMs?: number;
}

const DEFAULTS: Required<DeadLetterStreamOptions> = { maxAgeMs: 30 * 24 * 3_600_000, replicas: 1, duplicateWindowMs: 10 * 60_000 };

/**
 * Creates the dead-letter stream `AGENT_DLQ` (limits retention, file storage, `agent.dlq.>`) unless
 * it exists. An existing stream is kept as its operator configured it, provided it captures `agent.dlq.>`.
 *
 * @returns the stream's info.
 * @throws {@link ConfigurationError} when a setting is not a positive integer.
 * @throws {@link BrokerMisconfiguredError} when `AGENT_DLQ` exists without the `agent.dlq.>` subjects.
 */
export async function ensureDeadLetterStream(manager: JetStreamManager, options: DeadLetterStreamOptions = {}): Promise<StreamInfo> {
  const settings = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new ConfigurationError(`dead-letter stream option ${name} must be a positive integer, received ${String(value)}`);
  }
  const existing = await streamInfo(manager, deadLetterQueue.stream);
  if (existing !== undefined) return checkStream(existing);
  return manager.streams.add({
    name: deadLetterQueue.stream,
    subjects: [deadLetterQueue.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: settings.replicas,
    max_age: nanos(settings.maxAgeMs),
    duplicate_window: nanos(Math.min(settings.duplicateWindowMs, settings.maxAgeMs)), // the server refuses a window longer than max_age
  });
}

function checkStream(info: StreamInfo): StreamInfo {
  const subjects = info.config.subjects ?? [];
  if (!subjects.includes(deadLetterQueue.subjects)) {
    throw new BrokerMisconfiguredError(
      `The NATS stream ${deadLetterQueue.stream} exists with subjects [${subjects.join(', ')}]; agentwire needs it on "${deadLetterQueue.subjects}". ` +
        `Delete it (\`nats stream rm ${deadLetterQueue.stream}\`) to let agentwire create it, or add the subjects.`,
    );
  }
  return info;
}
