import type { BulkheadOptions } from '../policies/BulkheadPolicy.js';
import type { CircuitBreakerOptions } from '../policies/CircuitBreakerOptions.js';
import type { RetryOptions } from '../policies/RetryOptions.js';
import type { TimeoutSpec } from '../policies/TimeoutOptions.js';
import type { MessageContext } from './MessageContext.js';

/** What `@fallback` produces when the handler finally fails: `(error, message, ctx) => value`. */
export type FallbackHandler<R = unknown> = (error: unknown, message: never, ctx: MessageContext) => R | Promise<R>;

/**
 * Where the state of a handler's circuit breaker or bulkhead lives: `'type'` (default) shares one
 * per agent type in a runtime (the downstream dependency is shared); `'instance'` keeps one per
 * agent instance.
 */
export type PolicyScope = 'type' | 'instance';

/**
 * @internal The policy decorators of one handler method, read once per class: the options, not the
 * live policies (each runtime builds those with its own clock, per agent type or instance).
 */
export interface HandlerPolicySpec {
  readonly method: string | symbol;
  readonly timeout: TimeoutSpec | undefined;
  readonly retry: RetryOptions | undefined;
  readonly breaker: (CircuitBreakerOptions & { readonly scope?: PolicyScope }) | undefined;
  readonly bulkhead: (BulkheadOptions & { readonly scope?: PolicyScope }) | undefined;
  readonly fallback: FallbackHandler | undefined;
}
