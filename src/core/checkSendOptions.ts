import { ConfigurationError } from '../errors/ConfigurationError.js';
import { AgentId } from './AgentId.js';
import type { SendOptions } from './SendOptions.js';

/**
 * @internal Checks a send's recipient and the shape of its options, before anything is sent.
 * Returns true when the options ask for caller-side policies (anything beyond a numeric `timeout`,
 * which is the request's plain deadline).
 *
 * @throws {@link ConfigurationError} naming the bad argument and what to pass instead.
 */
export function checkSendOptions(recipient: AgentId, options: SendOptions | undefined): boolean {
  if (!(recipient instanceof AgentId)) {
    throw new ConfigurationError(`The recipient must be an AgentId (new AgentId(type, key)), got ${String(recipient)}.`);
  }
  if (options === undefined) return false;
  const { timeout, retry, circuitBreaker, bulkhead, fallback } = options;
  if (typeof timeout === 'number' || timeout === undefined) {
    if (timeout !== undefined && !(timeout > 0 && timeout !== Infinity)) {
      throw new ConfigurationError(`The "timeout" send option must be a positive number of milliseconds, got ${String(timeout)}.`);
    }
    if (retry === undefined && circuitBreaker === undefined && bulkhead === undefined && fallback === undefined) return false;
  } else if (typeof timeout !== 'object' || timeout === null) {
    throw new ConfigurationError(`The "timeout" send option must be milliseconds, { ms }, { adaptive } or a TimeoutPolicy, got ${String(timeout)}.`);
  }
  checkObject('retry', retry, '{ maxRetries: 3 } or a RetryPolicy');
  checkObject('circuitBreaker', circuitBreaker, '{ failureThreshold: 5, recoveryTimeout: 10_000 } or a CircuitBreakerPolicy');
  checkObject('bulkhead', bulkhead, '{ maxConcurrent: 4 } or a BulkheadPolicy');
  checkFallback(fallback);
  return true;
}

function checkObject(name: string, value: unknown, example: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new ConfigurationError(`The "${name}" send option must be an object such as ${example}, got ${String(value)}.`);
  }
}

function checkFallback(fallback: SendOptions['fallback']): void {
  if (fallback === undefined || typeof fallback === 'function' || fallback instanceof AgentId) return;
  if (Array.isArray(fallback) && fallback.every((f) => f instanceof AgentId)) return;
  throw new ConfigurationError('The "fallback" send option must be an AgentId, an array of AgentIds or a function (error, message) => value.');
}
