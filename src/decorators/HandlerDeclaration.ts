import type { MessageContext } from '../core/MessageContext.js';
import type { ReplyOf } from '../core/Replies.js';
import type { SchemaLike } from '../messages/schemaTypeName.js';

/** A class that messages are instances of. */
export type MessageClass<T = unknown> = abstract new (...args: never[]) => T;

/** Which deliveries a handler sees: both, publishes only (`@event`) or sends only (`@rpc`). */
export type HandlerKind = 'message' | 'event' | 'rpc';

/** Options shared by `@messageHandler`, `@event` and `@rpc`. */
export interface HandlerOptions<T = unknown> {
  /** Secondary routing: the handler runs only when this returns true. */
  match?: (message: T, ctx: MessageContext) => boolean;
}

/**
 * A handler method of messages `M`: it takes the message (and the context) and returns `M`'s reply
 * type when `M` declares one (see `Replies`), anything otherwise.
 */
export type HandlerMethodOf<M> = (message: M, ctx: MessageContext) => ReplyOf<M> | Promise<ReplyOf<M>>;

/**
 * What `@messageHandler(MessageClass)` (and `@event`, `@rpc`) returns: a method decorator that
 * checks at compile time that the method takes an `M` and returns its reply type.
 */
export type HandlerDecorator<M> = (target: object, method: string | symbol, descriptor: { value?: HandlerMethodOf<M> }) => void;

/** What `@messageHandler()` returns: the message type is the method's first parameter's, its reply checked as for {@link HandlerDecorator}. */
export type InferringHandlerDecorator = <M>(target: object, method: string | symbol, descriptor: { value?: HandlerMethodOf<M> }) => void;

/** @internal What a handler decorator records about one method. */
export interface HandlerDeclaration {
  readonly method: string | symbol;
  /** The class the handler routes on, or the `type` name of a schema-declared plain-object message. */
  readonly messageType: MessageClass | string;
  /** The schema plain-object messages are validated with on delivery (schema-declared messages only). */
  readonly schema: SchemaLike | undefined;
  readonly kind: HandlerKind;
  readonly match: ((message: never, ctx: MessageContext) => boolean) | undefined;
}
