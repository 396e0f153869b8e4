import { ConfigurationError } from '../errors/ConfigurationError.js';
import { TypeSubscription } from '../core/TypeSubscription.js';
import { assertLegacyDecorator } from './assertLegacyDecorator.js';
import { addSubscription } from './metadata.js';

/**
 * Class decorator: when the agent class is registered, subscribe its type to topics of `topicType`
 * (the topic source becomes the agent key). Inherited by subclasses.
 *
 * @example
 * ```ts
 * @typeSubscription('alerts')
 * class Pager extends RoutedAgent { … }
 * ```
 */
export function typeSubscription(topicType: string): ClassDecorator {
  if (typeof topicType !== 'string' || topicType.length === 0) {
    throw new ConfigurationError('@typeSubscription(topicType) needs a non-empty topic type, e.g. @typeSubscription("alerts").');
  }
  return (target, ...rest: unknown[]) => {
    assertLegacyDecorator('typeSubscription', rest[0]);
    addSubscription(target, (agentType) => [new TypeSubscription(topicType, agentType)]);
  };
}
