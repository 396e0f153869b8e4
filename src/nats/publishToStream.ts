import type { PubAck } from '@nats-io/jetstream';
import { NoRespondersError } from '@nats-io/transport-node';
import { BrokerMisconfiguredError } from '../errors/BrokerMisconfiguredError.js';
import type { StreamPublishing, StreamPublishOptions } from './StreamPublisher.js';

/** @internal The stream a publish must land in: its name, what it is, and the function that creates it. */
export interface StreamTarget {
  readonly stream: string;
  readonly label: string;
  readonly ensure: string;
}

/**
 * @internal Publishes into the JetStream stream `target.stream` (which must store `subject`) and
 * resolves with its PubAck; a publish nobody stored becomes a {@link BrokerMisconfiguredError} that
 * names the missing stream and `target.ensure`, the function that creates it.
 */
export async function publishToStream(client: StreamPublishing, target: StreamTarget, subject: string, body: string | Uint8Array, options: StreamPublishOptions = {}): Promise<PubAck> {
  const { stream, label, ensure } = target;
  try {
    const { msgID, headers, timeout, expect } = options;
    return await client.publish(subject, body, { msgID, headers, timeout, expect: { lastSubjectSequence: expect?.lastSubjectSequence, streamName: stream } });
  } catch (error) {
    if (!(error instanceof Error) || !isNoStream(error)) throw error;
    throw new BrokerMisconfiguredError(
      `No NATS stream stores ${subject}: the ${label} ${stream} is missing. ` +
        `Create it with ${ensure} (workers do at start), or check that the server has JetStream enabled.`,
      { cause: error },
    );
  }
}

/**
 * A JetStream publish nobody stored: "no responders" on the subject, which the JetStream client reports as
 * `JetStreamNotEnabled` (it cannot tell a missing stream from a server without JetStream), a `StreamPublisher` as such.
 */
function isNoStream(error: Error): boolean {
  return error.name === 'JetStreamNotEnabled' || error instanceof NoRespondersError;
}
