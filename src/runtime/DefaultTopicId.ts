import { currentDelivery } from './callContext.js';
import { TopicId } from './TopicId.js';

/**
 * A {@link TopicId} whose source defaults to the key of the agent whose handler is running, or
 * `'default'` outside a handler (AutoGen's rule), so publishing from a handler stays in the same
 * conversation.
 *
 * @example
 * ```ts
 * // inside a handler of agent writer/session-42:
 * await this.publishMessage(new Draft(text), new DefaultTopicId()); // → topic default/session-42
 * ```
 */
export class DefaultTopicId extends TopicId {
  constructor(type = 'default', source?: string) {
    super(type, source ?? currentDelivery()?.recipient.key ?? 'default');
  }
}
