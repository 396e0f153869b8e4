import type { CircuitBreakerOptions } from '../policies/CircuitBreakerOptions.js';
import { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { PolicyScope } from '../core/HandlerPolicySpec.js';
import { policyDecorator } from './policyDecorator.js';
import { describeValue } from '../util/describeValue.js';

/** Options of `@circuitBreaker`: the breaker's options plus its scope. */
export interface CircuitBreakerDecoratorOptions extends CircuitBreakerOptions {
  /**
   * `'type'` (default): one breaker shared by every instance of the agent type in a runtime (the
   * downstream dependency is shared). `'instance'`: one breaker per agent instance (the handler's
   * other policies then live per instance too).
   */
  readonly scope?: PolicyScope;
}

/**
 * Guards a handler with a circuit breaker: after `failureThreshold` consecutive failures (or a
 * failure rate over a sliding window) it opens, and calls fail at once with `CircuitOpenError`
 * (with `retryAfter`) without invoking the handler; after `recoveryTimeout` it admits trial calls.
 *
 * @example
 * ```ts
 * @messageHandler()
 * @circuitBreaker({ failureThreshold: 5, recoveryTimeout: 10_000 })
 * async fetchQuotes(message: QuoteRequest) { … }
 * ```
 */
export function circuitBreaker(options: CircuitBreakerDecoratorOptions): MethodDecorator {
  return policyDecorator('circuitBreaker', options, () => {
    if (options?.scope !== undefined && options.scope !== 'type' && options.scope !== 'instance') {
      throw new ConfigurationError(`@circuitBreaker({ scope }) must be 'type' or 'instance', got ${describeValue(options.scope)}.`);
    }
    new CircuitBreakerPolicy(options);
  });
}
