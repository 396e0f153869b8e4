import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import { streamInfo } from './streamInfo.js';

/**
 * @internal Creates the stream `config` describes — unless another process created it meanwhile
 * (processes that start together all find it missing, and the server refuses all but one creation,
 * e.g. "subjects overlap with an existing stream"): then the stream that exists is checked with
 * `check` (which throws when it does not fit) and returned. Any other failure is thrown as is.
 */
export async function addStream(manager: JetStreamManager, config: Partial<StreamConfig> & { readonly name: string }, check: (existing: StreamInfo) => StreamInfo): Promise<StreamInfo> {
  try {
    return await manager.streams.add(config);
  } catch (error) {
    const existing = await streamInfo(manager, config.name);
    if (existing === undefined) throw error;
    return check(existing);
  }
}
