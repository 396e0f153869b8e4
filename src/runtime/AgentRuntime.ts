import type { AgentId } from './AgentId.js';
import type { PublishOptions, SendOptions } from './SendOptions.js';
import type { TopicId } from './TopicId.js';

/** What an agent sees of the runtime that hosts it (`this.runtime`). */
export interface AgentRuntime {
  /** Sends a request and resolves with the recipient handler's return value. */
  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R>;
  /** Publishes to a topic; resolves once the message is queued for every subscriber. */
  publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void>;
}
