import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { FallbackHandler } from '../core/HandlerPolicySpec.js';
import { policyDecorator } from './policyDecorator.js';

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
