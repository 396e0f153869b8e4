import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { MessageContext } from '../core/MessageContext.js';
import { policyDecorator } from './policyDecorator.js';

/** What `@fallback` produces when the handler finally fails. */
export type FallbackHandler<R = unknown> = (error: unknown, message: never, ctx: MessageContext) => R | Promise<R>;

/**
 * Answers with a fallback instead of failing, once retries (if any) are exhausted: the outermost
 * handler policy. Cancellations and runtime stops are never replaced.
 *
 * @example
 * ```ts
 * @messageHandler()
 * @retry({ maxRetries: 2 })
 * @fallback(() => new ResearchResult([]))
 * async research(message: ResearchQuery) { … }
 * ```
 */
export function fallback<R>(handler: FallbackHandler<R>): MethodDecorator {
  return policyDecorator('fallback', handler, () => {
    if (typeof handler !== 'function') {
      throw new ConfigurationError('@fallback(handler) needs a function (error, message, ctx) => value.');
    }
  });
}
