import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { FallbackPolicy } from './FallbackPolicy.js';
import type { Policy } from './Policy.js';
import { PolicyWrap } from './PolicyWrap.js';

/**
 * The alternative result type a policy may resolve with: `R` for a `FallbackPolicy<R>` or a
 * `PolicyWrap<R>`, `never` for every other policy.
 */
export type PolicyAlt<P> = P extends FallbackPolicy<infer R> ? R : P extends PolicyWrap<infer R> ? R : never;

/**
 * Composes policies into one, **outermost first**: `wrap(a, b, c).execute(fn)` runs
 * `a.execute(() => b.execute(() => c.execute(fn)))`. Each policy receives the signal of the one
 * outside it, so a timeout or cancellation anywhere outside reaches `fn`. The context `fn` sees has
 * the innermost policy's `signal` and the `attempt` of the innermost {@link RetryPolicy} (1 without one).
 *
 * agentwire's canonical order is retry → circuit breaker → timeout (per attempt) → handler.
 *
 * @example
 * ```ts
 * const resilient = wrap(
 *   new RetryPolicy({ maxRetries: 3 }),
 *   new CircuitBreakerPolicy({ failureThreshold: 5, recoveryTimeout: 10_000 }),
 *   new TimeoutPolicy(2_000),
 * );
 * const answer = await resilient.execute(({ signal, attempt }) => ask(question, { signal }));
 * ```
 *
 * @throws {@link ConfigurationError} when an argument is not a policy.
 */
export function wrap<const P extends readonly Policy<unknown>[]>(...policies: P): PolicyWrap<PolicyAlt<P[number]>> {
  policies.forEach((p, i) => {
    if (typeof (p as Partial<Policy<unknown>> | null)?.execute !== 'function') {
      throw new ConfigurationError(`wrap: argument ${i + 1} is not a policy (it has no execute method). Pass policy instances such as new RetryPolicy().`);
    }
  });
  return new PolicyWrap<PolicyAlt<P[number]>>(policies);
}
