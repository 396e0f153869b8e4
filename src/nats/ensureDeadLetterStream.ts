import type { JetStreamManager, StreamInfo } from '@nats-io/jetstream';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { deadLetterQueue } from './deadLetterQueue.js';
import { ensureLimitsStream } from './ensureLimitsStream.js';

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
  return ensureLimitsStream(manager, { name: deadLetterQueue.stream, subjects: deadLetterQueue.subjects, ...settings });
}
