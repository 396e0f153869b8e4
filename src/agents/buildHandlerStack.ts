import type { CircuitState } from '../policies/CircuitBreakerOptions.js';
import { BulkheadPolicy } from '../policies/BulkheadPolicy.js';
import { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import { FallbackPolicy } from '../policies/FallbackPolicy.js';
import type { PolicyContext } from '../policies/Policy.js';
import { stackOf, type PolicyStack } from '../policies/PolicyStack.js';
import { RetryPolicy } from '../policies/RetryPolicy.js';
import { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import type { Clock } from '../util/Clock.js';
import type { HandlerContext } from '../core/HandlerContext.js';
import type { FallbackHandler, HandlerPolicySpec } from '../core/HandlerPolicySpec.js';

/** @internal What a runtime lends the policies of its decorated handlers. */
export interface HandlerStackEnvironment {
  readonly clock: Clock;
  /** Randomness for retry jitter. */
  readonly random: () => number;
  /** The handler's breaker changed state. */
  breakerChanged(from: CircuitState, to: CircuitState): void;
}

/**
 * @internal The live policies of one decorated handler in one runtime (per agent type, or per
 * instance for `scope: 'instance'`), from its decorators' options: the same policy classes, in the
 * same pipeline, as standalone and per-call use.
 */
export function buildHandlerStack(spec: HandlerPolicySpec, env: HandlerStackEnvironment): PolicyStack {
  const { clock, random } = env;
  const breaker = spec.breaker === undefined ? undefined : new CircuitBreakerPolicy({ clock, ...spec.breaker });
  breaker?.onStateChange(({ from, to }) => env.breakerChanged(from, to));
  return stackOf({
    fallback: spec.fallback === undefined ? undefined : handlerFallback(spec.fallback),
    retry: spec.retry === undefined ? undefined : new RetryPolicy({ clock, random, ...spec.retry }),
    bulkhead: spec.bulkhead === undefined ? undefined : new BulkheadPolicy(spec.bulkhead),
    breaker,
    timeout: spec.timeout === undefined ? undefined : new TimeoutPolicy(spec.timeout, { clock }),
  });
}

/** `@fallback(handler)` as a {@link FallbackPolicy}: the handler gets the error, the message and the context. */
function handlerFallback(handler: FallbackHandler): FallbackPolicy<unknown> {
  return new FallbackPolicy<unknown>({
    fallback: (error: unknown, ctx: PolicyContext) => {
      const context = ctx as HandlerContext; // a HandlerRun hands its fallback the handler's context
      return handler(error, context.message as never, context);
    },
  });
}
