import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  retry,
  timeout,
  wrap,
} from 'cockatiel';

/**
 * cockatiel 3.2 timeout, Cooperative, 1 s. `abortOnReturn` (default true) aborts the call's signal
 * once the function returns; false leaves it alone, which is what agentwire does (its handler signal
 * is only aborted on timeout or cancellation), so both are measured.
 */
function cooperativeTimeout(abortOnReturn: boolean) {
  return timeout(1_000, { strategy: TimeoutStrategy.Cooperative, abortOnReturn });
}

const retryPolicy = () => retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() });
const breakerPolicy = () => circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });

/** cockatiel 3 policies configured like agentwire's (3 attempts, 5 consecutive failures, 1 s Cooperative timeout). */
export function cockatielPolicies() {
  return {
    retry: retryPolicy(),
    breaker: breakerPolicy(),
    timeout: cooperativeTimeout(false),
    timeoutAbortOnReturn: cooperativeTimeout(true),
    stack: wrap(retryPolicy(), breakerPolicy(), cooperativeTimeout(false)),
    stackAbortOnReturn: wrap(retryPolicy(), breakerPolicy(), cooperativeTimeout(true)),
  };
}

/** A cockatiel breaker held open (isolated): every call is rejected. */
export function cockatielOpenBreaker() {
  const breaker = circuitBreaker(handleAll, { halfOpenAfter: 10_000_000, breaker: new ConsecutiveBreaker(1) });
  breaker.isolate();
  if (breaker.state !== CircuitState.Isolated) throw new Error('cockatiel breaker did not isolate');
  return breaker;
}
