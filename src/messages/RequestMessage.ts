import { replyType, type Replies } from '../core/Replies.js';

/**
 * Base class of a request message that declares its reply type: `sendMessage` resolves to `R`
 * without a type argument, and a `@messageHandler` for it must return `R` (or `Promise<R>`).
 *
 * @example
 * ```ts
 * class ResearchQuery extends RequestMessage<ResearchResult> {
 *   constructor(readonly topic: string) { super(); }
 * }
 * const result = await runtime.sendMessage(new ResearchQuery('AI'), researcher); // ResearchResult
 * ```
 */
export abstract class RequestMessage<R> implements Replies<R> {
  /** Compile time only (see {@link Replies}). */
  declare readonly [replyType]: R;
}
