import { ConfigurationError } from '../errors/ConfigurationError.js';
import { describeValue } from '../util/describeValue.js';
import { systemClock, type Clock } from '../util/Clock.js';
import { checkClock, checkFunction, checkOption, checkOptionsObject } from './checkOption.js';
import type { RetryBudget } from './RetryBudget.js';
import type { ErrorClass, Jitter, RetryOptions, RetryPredicate } from './RetryOptions.js';

/** {@link RetryOptions} with every default filled in and every value checked. */
export interface ResolvedRetryOptions {
  readonly maxRetries: number;
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly factor: number;
  readonly jitter: Jitter;
  readonly retryOn: readonly ErrorClass[] | RetryPredicate | undefined;
  readonly budget: RetryBudget | undefined;
  readonly clock: Clock;
  readonly random: () => number;
}

const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

/**
 * Applies the defaults of {@link RetryOptions} and validates them.
 *
 * @throws {@link ConfigurationError} naming the bad option and what to pass instead.
 */
export function resolveRetryOptions(options: RetryOptions): ResolvedRetryOptions {
  const owner = 'RetryPolicy';
  checkOptionsObject(owner, options, '{ maxRetries: 3 }');
  const jitter = options.jitter ?? 'full';
  if (!JITTERS.includes(jitter)) {
    throw new ConfigurationError(`${owner}: option "jitter" must be one of ${JITTERS.map((j) => `'${j}'`).join(', ')}, got ${describeValue(jitter)}.`);
  }
  checkRetryOn(options.retryOn);
  checkFunction(owner, 'random', options.random, '() => Math.random() (a number in [0, 1))');
  checkClock(owner, options.clock);
  return {
    maxRetries: checkOption(owner, 'maxRetries', options.maxRetries ?? 3, { min: 0, integer: true }),
    baseDelay: checkOption(owner, 'baseDelay', options.baseDelay ?? 100, { min: 0 }),
    maxDelay: checkOption(owner, 'maxDelay', options.maxDelay ?? 30_000, { min: 0 }),
    factor: checkOption(owner, 'factor', options.factor ?? 2, { min: 1 }),
    jitter,
    retryOn: options.retryOn,
    budget: options.budget,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
  };
}

function checkRetryOn(retryOn: RetryOptions['retryOn']): void {
  if (retryOn === undefined || typeof retryOn === 'function') return;
  if (!Array.isArray(retryOn) || !retryOn.every((c) => typeof c === 'function')) {
    throw new ConfigurationError('RetryPolicy: option "retryOn" must be an array of error classes or a predicate (error, attempt) => boolean.');
  }
}
