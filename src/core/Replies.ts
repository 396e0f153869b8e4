/**
 * The key of the compile-time brand that ties a request message to its reply type. Declare it on
 * a class that cannot extend {@link RequestMessage}: `declare readonly [replyType]: ResearchResult;`
 * (no runtime cost: a `declare` field emits nothing).
 */
export const replyType: unique symbol = Symbol('agentwire.replyType');

/**
 * A request message whose handler replies with `R`: `sendMessage` infers `Promise<R>` for it, and a
 * handler of it that returns something else does not compile. Made by {@link RequestMessage},
 * `defineMessage(name, schema, { reply })` and `messageSchema(name, schema, { reply })`.
 */
export interface Replies<R> {
  /** Compile time only: no message carries this property at run time. */
  readonly [replyType]: R;
}

/** The reply type of a message `M` (see {@link Replies}); `unknown` when `M` does not declare one. */
export type ReplyOf<M> = M extends Replies<infer R> ? R : unknown;
