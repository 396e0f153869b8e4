import { DefaultSubscription } from '../core/DefaultSubscription.js';
import { assertLegacyDecorator } from './assertLegacyDecorator.js';
import { addSubscription } from './metadata.js';

type ClassTarget = abstract new (...args: never[]) => unknown;

function record(target: ClassTarget, topicType: string): void {
  addSubscription(target, (agentType) => [new DefaultSubscription(topicType, agentType)]);
}

/**
 * Class decorator: when the agent class is registered, subscribe its type to the `'default'` topic
 * type (or `topicType`), so `publishMessage(msg, new DefaultTopicId())` reaches it. Use as
 * `@defaultSubscription()` (the bare `@defaultSubscription` works too). Inherited by subclasses.
 *
 * @example
 * ```ts
 * @defaultSubscription()
 * class Logger extends RoutedAgent { … }
 * ```
 */
export function defaultSubscription(topicType?: string): ClassDecorator;
export function defaultSubscription<T extends ClassTarget>(target: T): void;
export function defaultSubscription(arg?: string | ClassTarget): ClassDecorator | void {
  if (typeof arg === 'function') return record(arg, 'default');
  const topicType = arg ?? 'default';
  return (target, ...rest: unknown[]) => {
    assertLegacyDecorator('defaultSubscription', rest[0]);
    record(target as unknown as ClassTarget, topicType);
  };
}
