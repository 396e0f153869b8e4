import type * as z from 'zod';
import type { TypedObjectSchema } from '../messages/messageSchema.js';
import type { HandlerDecorator, HandlerMethodOf, HandlerOptions, InferringHandlerDecorator, MessageClass } from './HandlerDeclaration.js';

/**
 * The forms of `@messageHandler`, `@event` and `@rpc`: called with nothing or options (the message
 * class is inferred from the first parameter), with a message class, with a message schema
 * (plain-object messages routed by their `type`), or written bare without parentheses as in AutoGen.
 * Every form checks at compile time that the method returns the message's reply type, when the
 * message declares one.
 */
export interface HandlerDecoratorFactory {
  /** `@messageHandler()` / `@messageHandler({ match })`: the message class is the first parameter's. */
  (options?: HandlerOptions<never>): InferringHandlerDecorator;
  /** `@messageHandler(ResearchQuery)`: handles instances of the class (and its subclasses). */
  <T>(messageType: MessageClass<T>, options?: HandlerOptions<T>): HandlerDecorator<T>;
  /** `@messageHandler(ResearchQuerySchema)`: handles plain objects whose `type` is the schema's literal, validated on delivery. */
  <S extends TypedObjectSchema>(schema: S, options?: HandlerOptions<z.output<S>>): HandlerDecorator<z.output<S>>;
  /** `@messageHandler` without parentheses: the same as `@messageHandler()`. */
  <M>(target: object, method: string | symbol, descriptor: { value?: HandlerMethodOf<M> }): void;
}
