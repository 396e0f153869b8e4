import type { AgentId } from './AgentId.js';
import type { Replies, ReplyOf } from './Replies.js';
import type { PublishOptions, SendOptions } from './SendOptions.js';
import type { TopicId } from './TopicId.js';

/**
 * The runtime as the `Agent` interface names it: what any agent needs of the runtime that hosts
 * it. Every runtime is an {@link AgentRuntime}, which extends this; `BaseAgent.runtime` is typed as
 * the full `AgentRuntime`.
 */
export interface AgentHost {
  /** Sends a request whose message declares its reply type (see `Replies`): resolves with that type. */
  sendMessage<M extends Replies<unknown>>(message: M, recipient: AgentId, options?: SendOptions): Promise<ReplyOf<M>>;
  /** Sends a request and resolves with the recipient handler's return value. */
  sendMessage<R = unknown>(message: unknown, recipient: AgentId, options?: SendOptions): Promise<R>;
  /** Publishes to a topic; resolves once the message is queued for every subscriber. */
  publishMessage(message: unknown, topic: TopicId, options?: PublishOptions): Promise<void>;
}
