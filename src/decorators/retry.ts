import type { RetryOptions } from '../policies/RetryOptions.js';
import { RetryPolicy } from '../policies/RetryPolicy.js';
import { policyDecorator } from './policyDecorator.js';

/**
 * Retries a failing handler: `maxRetries` retries after the first attempt, with delays
 * `min(maxDelay, baseDelay · factor^(n−1))` before retry n, jittered (`'full'` by default).
 * Every attempt keeps the request's `messageId` and sees `ctx.attempt`, so handlers can be
 * idempotent. `CantHandleError`, `MessageValidationError`, `CircuitOpenError` and cancellations are
 * never retried; `TimeoutError` is. Exhausted: the request fails with the last attempt's error.
 *
 * @example
 * ```ts
 * @messageHandler()
 * @retry({ maxRetries: 3, baseDelay: 100, jitter: 'full' })
 * async research(message: ResearchQuery, ctx: MessageContext) { … }
 * ```
 */
export function retry(options: RetryOptions = {}): MethodDecorator {
  return policyDecorator('retry', options, () => new RetryPolicy(options));
}
