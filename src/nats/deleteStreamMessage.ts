import type { JetStreamManager } from '@nats-io/jetstream';

/**
 * @internal Deletes the message at `seq` of `stream`, and resolves as well when it is gone already
 * (another process deleted it first: the servers answer that with different error codes across
 * versions, so the message's absence is checked instead).
 */
export async function deleteStreamMessage(manager: JetStreamManager, stream: string, seq: number): Promise<void> {
  try {
    await manager.streams.deleteMessage(stream, seq);
  } catch (error) {
    if ((await manager.streams.getMessage(stream, { seq })) !== null) throw error;
  }
}
