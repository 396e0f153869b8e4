import { RetryPolicy } from '../policies/RetryPolicy.js';
import { systemClock, type Clock } from '../util/Clock.js';

/**
 * @internal Whether a broker call failed for a reason a new try may not meet: no answer in time (a
 * reply lost when the connection broke, a broker restarting), a request or connection problem.
 */
export function isTransportFailure(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined;
  return name === 'TimeoutError' || name === 'RequestError' || name === 'ConnectionError';
}

/**
 * @internal The retry of a broker call that is safe to repeat (a publish with the same `Nats-Msg-Id`,
 * a KV read, a KV create whose conflict is handled): up to 3 more tries after a transport failure
 * ({@link isTransportFailure}), 200 ms to 2 s apart, so a broker restart or a reconnect does not
 * fail the work in hand.
 */
export function brokerRetry(clock: Clock = systemClock): RetryPolicy {
  return new RetryPolicy({ maxRetries: 3, baseDelay: 200, maxDelay: 2_000, jitter: 'full', clock, retryOn: isTransportFailure });
}
