import { RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { BrokerMisconfiguredError } from '../errors/BrokerMisconfiguredError.js';
import { addStream } from './addStream.js';
import { streamInfo } from './streamInfo.js';

/** @internal A limits-retention stream agentwire creates: its name, subjects and settings (positive integers, ms). */
export interface LimitsStream {
  readonly name: string;
  readonly subjects: string;
  readonly replicas: number;
  readonly maxAgeMs: number;
  readonly duplicateWindowMs: number;
}

/**
 * @internal Creates a limits-retention, file-storage stream with producer dedup unless it exists;
 * an existing stream is kept as its operator configured it, provided it captures the subjects.
 *
 * @throws {@link BrokerMisconfiguredError} when the stream exists without the subjects.
 */
export async function ensureLimitsStream(manager: JetStreamManager, stream: LimitsStream): Promise<StreamInfo> {
  const existing = await streamInfo(manager, stream.name);
  if (existing !== undefined) return checkStream(existing, stream);
  return addStream(manager, {
    name: stream.name,
    subjects: [stream.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: stream.replicas,
    max_age: nanos(stream.maxAgeMs),
    duplicate_window: nanos(Math.min(stream.duplicateWindowMs, stream.maxAgeMs)), // the server refuses a window longer than max_age
  }, (info) => checkStream(info, stream));
}

function checkStream(info: StreamInfo, stream: LimitsStream): StreamInfo {
  const subjects = info.config.subjects ?? [];
  if (!subjects.includes(stream.subjects)) {
    throw new BrokerMisconfiguredError(
      `The NATS stream ${stream.name} exists with subjects [${subjects.join(', ')}]; agentwire needs it on "${stream.subjects}". ` +
        `Delete it (\`nats stream rm ${stream.name}\`) to let agentwire create it, or add the subjects.`,
    );
  }
  return info;
}
