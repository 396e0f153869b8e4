import type { HandlerDecoratorFactory } from './HandlerDecoratorFactory.js';
import { handlerDecorator } from './handlerDecorator.js';

/**
 * Marks a method of a {@link RoutedAgent} as the handler of a message class, for both direct sends
 * (its return value is the response; a throw fails the request) and publishes.
 *
 * The message class is inferred from the first parameter's type (needs `emitDecoratorMetadata`),
 * or given explicitly. Routing is by the message's class, then up its prototype chain; among
 * handlers of one class the first in declaration order whose `match` accepts wins.
 *
 * @example
 * ```ts
 * class Researcher extends RoutedAgent {
 *   @messageHandler()
 *   async research(message: ResearchQuery, ctx: MessageContext): Promise<ResearchResult> { … }
 *
 *   @messageHandler(Ping, { match: (m) => m.urgent })
 *   urgentPing(message: Ping): Pong { … }
 * }
 * ```
 * @throws {@link ConfigurationError} at decoration time when the type cannot be inferred.
 */
export const messageHandler: HandlerDecoratorFactory = handlerDecorator('message', 'messageHandler') as HandlerDecoratorFactory;
