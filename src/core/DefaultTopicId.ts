import { currentContext } from './callContext.js';
import type { AgentId } from './AgentId.js';
import { TopicId } from './TopicId.js';

/**
 * A {@link TopicId} whose source defaults to the key of the agent whose handler is running, or
 * `'default'` outside a handler (AutoGen's rule), so publishing from a handler stays in the same
 * conversation. Created after an `await` in a handler, the key is filled in when the agent
 * publishes it (`this.publishMessage` / `ctx.publishMessage`).
 *
 * @example
 * ```ts
 * // inside a handler of agent writer/session-42:
 * await this.publishMessage(new Draft(text), new DefaultTopicId()); // → topic default/session-42
 * ```
 */
export class DefaultTopicId extends TopicId {
  /**
   * @internal False when no source was given and none could be taken from a running handler at
   * construction: publishing it as an agent (`this.publishMessage`, `ctx.publishMessage`, or with
   * a `sender`) then uses that agent's key.
   */
  declare readonly fromContext: boolean;

  constructor(type = 'default', source?: string) {
    const running = currentContext()?.recipient.key;
    super(type, source ?? running ?? 'default');
    Object.defineProperty(this, 'fromContext', { value: source !== undefined || running !== undefined, enumerable: false });
  }
}

/**
 * @internal The topic an agent publishes to: a `DefaultTopicId` created without a source outside
 * the synchronous part of a handler takes the publishing agent's key.
 */
export function topicFor(topic: TopicId, publisher: AgentId): TopicId {
  return topic instanceof DefaultTopicId && !topic.fromContext ? new TopicId(topic.type, publisher.key) : topic;
}
