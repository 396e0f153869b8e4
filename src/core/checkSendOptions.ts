import { ConfigurationError } from '../errors/ConfigurationError.js';
import { describeValue } from '../util/describeValue.js';
import { AgentId } from './AgentId.js';
import type { PublishOptions, SendOptions } from './SendOptions.js';
import { TopicId } from './TopicId.js';

/**
 * @internal Checks a send's recipient and the shape of its options, before anything is sent.
 * Returns true when the options ask for caller-side policies (anything beyond a numeric `timeout`,
 * which is the request's plain deadline).
 *
 * @throws {@link ConfigurationError} naming the bad argument and what to pass instead.
 */
export function checkSendOptions(recipient: AgentId, options: SendOptions | undefined): boolean {
  if (!(recipient instanceof AgentId)) {
    throw new ConfigurationError(`The recipient must be an AgentId (new AgentId(type, key)), got ${describeValue(recipient)}.`);
  }
  if (options === undefined) return false;
  checkCommonOptions('sendMessage', options);
  const { timeout, retry, circuitBreaker, bulkhead, fallback, signal, escalateTo } = options;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new ConfigurationError(`The "signal" send option must be an AbortSignal (e.g. AbortSignal.timeout(5_000) or controller.signal), got ${describeValue(signal)}.`);
  }
  if (escalateTo !== undefined && !(escalateTo instanceof TopicId)) {
    throw new ConfigurationError(`The "escalateTo" send option must be a TopicId, got ${describeValue(escalateTo)}.`);
  }
  if (typeof timeout === 'number' || timeout === undefined) {
    if (timeout !== undefined && !(timeout > 0 && timeout !== Infinity)) {
      throw new ConfigurationError(`The "timeout" send option must be a positive number of milliseconds, got ${describeValue(timeout)}.`);
    }
    if (retry === undefined && circuitBreaker === undefined && bulkhead === undefined && fallback === undefined) return false;
  } else if (typeof timeout !== 'object' || timeout === null) {
    throw new ConfigurationError(`The "timeout" send option must be milliseconds, { ms }, { adaptive } or a TimeoutPolicy, got ${describeValue(timeout)}.`);
  }
  checkObject('retry', retry, '{ maxRetries: 3 } or a RetryPolicy');
  checkObject('circuitBreaker', circuitBreaker, '{ failureThreshold: 5, recoveryTimeout: 10_000 } or a CircuitBreakerPolicy');
  checkObject('bulkhead', bulkhead, '{ maxConcurrent: 4 } or a BulkheadPolicy');
  checkFallback(fallback);
  return true;
}

function checkObject(name: string, value: unknown, example: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new ConfigurationError(`The "${name}" send option must be an object such as ${example}, got ${describeValue(value)}.`);
  }
}

function checkFallback(fallback: SendOptions['fallback']): void {
  if (fallback === undefined || typeof fallback === 'function' || fallback instanceof AgentId) return;
  if (Array.isArray(fallback) && fallback.every((f) => f instanceof AgentId)) return;
  throw new ConfigurationError('The "fallback" send option must be an AgentId, an array of AgentIds or a function (error, message) => value.');
}

/**
 * @internal Checks the options `sendMessage` and `publishMessage` share: an options object whose
 * `sender` is an AgentId and `messageId` a non-empty string, when given.
 *
 * @throws {@link ConfigurationError} naming the bad option.
 */
export function checkCommonOptions(method: string, options: SendOptions | PublishOptions): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError(`${method} options must be an object such as { timeout: 5_000 }, got ${describeValue(options)}.`);
  }
  const { sender, messageId } = options;
  if (sender !== undefined && !(sender instanceof AgentId)) {
    throw new ConfigurationError(`The "sender" option of ${method} must be an AgentId, got ${describeValue(sender)}.`);
  }
  if (messageId !== undefined && !(typeof messageId === 'string' && messageId !== '')) {
    throw new ConfigurationError(`The "messageId" option of ${method} must be a non-empty string, got ${describeValue(messageId)}.`);
  }
}

/** True for an AbortSignal, also one from another realm or polyfill (duck-typed on what the runtime uses). */
function isAbortSignal(value: unknown): value is AbortSignal {
  if (value instanceof AbortSignal) return true;
  const s = value as Partial<AbortSignal> | null;
  return typeof s === 'object' && s !== null && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function';
}
