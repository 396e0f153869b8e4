import type { MessageContext } from '../core/MessageContext.js';

/** A class that messages are instances of. */
export type MessageClass<T = unknown> = abstract new (...args: never[]) => T;

/** Which deliveries a handler sees: both, publishes only (`@event`) or sends only (`@rpc`). */
export type HandlerKind = 'message' | 'event' | 'rpc';

/** Options shared by `@messageHandler`, `@event` and `@rpc`. */
export interface HandlerOptions<T = unknown> {
  /** Secondary routing: the handler runs only when this returns true. */
  match?: (message: T, ctx: MessageContext) => boolean;
}

/** @internal What a handler decorator records about one method. */
export interface HandlerDeclaration {
  readonly method: string | symbol;
  readonly messageType: MessageClass;
  readonly kind: HandlerKind;
  readonly match: ((message: never, ctx: MessageContext) => boolean) | undefined;
}
