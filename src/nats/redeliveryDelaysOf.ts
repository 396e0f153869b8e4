import { ConfigurationError } from '../errors/ConfigurationError.js';
import type { NatsAgentRuntimeOptions } from './NatsAgentRuntimeOptions.js';

/** The default delays before the redeliveries of a request whose handler failed retriably, in ms (distributed.md §5.1 `backoff`). */
const DEFAULT_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000, 120_000];

/**
 * @internal The delays before redelivering a request whose handler failed with an error marked
 * `retriable: true`, when the runtime's options ask for it (`redeliverRetriableErrors`); else
 * `undefined` (such errors are answered).
 *
 * @throws {@link ConfigurationError} when `redeliveryDelaysMs` is empty or holds a value that is not a non-negative integer.
 */
export function redeliveryDelaysOf(options: Pick<NatsAgentRuntimeOptions, 'redeliverRetriableErrors' | 'redeliveryDelaysMs'>): readonly number[] | undefined {
  const delays = options.redeliveryDelaysMs ?? DEFAULT_DELAYS_MS;
  if (!Array.isArray(delays) || delays.length === 0 || delays.some((delay) => !Number.isSafeInteger(delay) || delay < 0)) {
    throw new ConfigurationError(`redeliveryDelaysMs must be a non-empty array of non-negative integers (ms), received ${JSON.stringify(delays)}.`);
  }
  return options.redeliverRetriableErrors === true ? delays : undefined;
}
