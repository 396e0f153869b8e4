import type { HandlerOptions, MessageClass } from './HandlerDeclaration.js';
import { handlerDecorator } from './handlerDecorator.js';

const decorate = handlerDecorator('rpc', 'rpc');

/**
 * Like {@link messageHandler}, but the handler sees only direct sends (`sendMessage`), never publishes.
 *
 * @example
 * ```ts
 * @rpc()
 * lookup(message: Lookup): Record { return this.table.get(message.key); }
 * ```
 */
export function rpc(options?: HandlerOptions<never>): MethodDecorator;
export function rpc<T>(messageType: MessageClass<T>, options?: HandlerOptions<T>): MethodDecorator;
export function rpc(typeOrOptions?: MessageClass | HandlerOptions<never>, options?: HandlerOptions<never>): MethodDecorator {
  return decorate(typeOrOptions, options);
}
