import type { FallbackHandler } from '../decorators/fallback.js';
import type { CircuitBreakerDecoratorOptions } from '../decorators/circuitBreaker.js';
import type { RetryOptions } from '../policies/RetryOptions.js';
import type { TimeoutSpec } from '../policies/TimeoutOptions.js';
import type { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import type { RetryPolicy } from '../policies/RetryPolicy.js';
import type { TimeoutPolicy } from '../policies/TimeoutPolicy.js';

/** @internal The policy decorators of one handler method, compiled once per class. */
export interface HandlerPolicySpec {
  readonly method: string | symbol;
  readonly timeout: TimeoutSpec | undefined;
  readonly retry: RetryOptions | undefined;
  readonly breaker: CircuitBreakerDecoratorOptions | undefined;
  readonly fallback: FallbackHandler | undefined;
}

/** @internal The live policy objects of one handler in one runtime (per agent type, or per instance for instance-scoped breakers). */
export interface HandlerPolicySet {
  readonly timeout: TimeoutPolicy | undefined;
  readonly retry: RetryPolicy | undefined;
  readonly breaker: CircuitBreakerPolicy | undefined;
}
