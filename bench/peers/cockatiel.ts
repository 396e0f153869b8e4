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

/** cockatiel 3 policies configured like agentwire's (3 attempts, 5 consecutive failures, 1 s Cooperative timeout). */
export function cockatielPolicies() {
  const retryPolicy = retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() });
  const breakerPolicy = circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
  const timeoutPolicy = timeout(1_000, TimeoutStrategy.Cooperative);
  const stack = wrap(
    retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    timeout(1_000, TimeoutStrategy.Cooperative),
  );
  return { retry: retryPolicy, breaker: breakerPolicy, timeout: timeoutPolicy, stack };
}

/** A cockatiel breaker held open (isolated): every call is rejected. */
export function cockatielOpenBreaker() {
  const breaker = circuitBreaker(handleAll, { halfOpenAfter: 10_000_000, breaker: new ConsecutiveBreaker(1) });
  breaker.isolate();
  if (breaker.state !== CircuitState.Isolated) throw new Error('cockatiel breaker did not isolate');
  return breaker;
}
