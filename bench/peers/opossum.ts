import CircuitBreaker from 'opossum';

/** opossum 9 around `fn`: with a 1 s timeout, or breaker only (`timeout: false`). Shut it down after use. */
export function opossumBreaker<T>(fn: () => Promise<T>, withTimeout: boolean): CircuitBreaker<[], T> {
  return new CircuitBreaker(fn, { timeout: withTimeout ? 1_000 : false, errorThresholdPercentage: 50, resetTimeout: 10_000 });
}

/** An opossum breaker forced open: every `fire()` rejects. */
export function opossumOpenBreaker<T>(fn: () => Promise<T>): CircuitBreaker<[], T> {
  const breaker = new CircuitBreaker(fn, { timeout: false, resetTimeout: 10_000_000 });
  breaker.open();
  return breaker;
}
