import type { JetStreamManager, StreamInfo } from '@nats-io/jetstream';

/** A stream's info, or `undefined` when there is no such stream. */
export async function streamInfo(manager: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await manager.streams.info(name);
  } catch (error) {
    if (error instanceof Error && error.name === 'StreamNotFoundError') return undefined;
    throw error;
  }
}
