import { ConfigurationError } from '../errors/ConfigurationError.js';
import { subscriptionContextType } from './subscriptionContext.js';
import { TypeSubscription } from './TypeSubscription.js';

/**
 * A {@link TypeSubscription} to topic type `'default'` (or `topicType`) whose agent type defaults to
 * the type being registered. Outside `register` pass the agent type explicitly.
 */
export class DefaultSubscription extends TypeSubscription {
  constructor(topicType = 'default', agentType?: string) {
    const type = agentType ?? subscriptionContextType();
    if (type === undefined) {
      throw new ConfigurationError(
        'DefaultSubscription() needs an agent type: pass it (new DefaultSubscription("default", "writer")) or create it inside register().',
      );
    }
    super(topicType, type);
  }
}
