import type { HandlerDecoratorFactory } from './HandlerDecoratorFactory.js';
import { handlerDecorator } from './handlerDecorator.js';

/**
 * Like {@link messageHandler}, but the handler sees only direct sends (`sendMessage`), never publishes.
 *
 * @example
 * ```ts
 * @rpc()
 * lookup(message: Lookup): Record { return this.table.get(message.key); }
 * ```
 */
export const rpc: HandlerDecoratorFactory = handlerDecorator('rpc', 'rpc') as HandlerDecoratorFactory;
