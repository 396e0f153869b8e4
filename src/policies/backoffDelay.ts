import { CallbackError } from '../errors/CallbackError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { describeValue } from '../util/describeValue.js';
import type { Jitter } from './RetryOptions.js';

/** The numbers {@link backoffDelay} needs. */
export interface BackoffShape {
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly factor: number;
  readonly jitter: Jitter;
}

/**
 * The delay before retry `n` (n ≥ 1). Before jitter it is `d = min(maxDelay, baseDelay · factor^(n−1))`;
 * `'full'` draws from [0, d], `'equal'` from [d/2, d], and `'decorrelated'` (AWS) draws
 * `min(maxDelay, random between baseDelay and previousDelay · 3)`, starting from `previousDelay = baseDelay`.
 * Never NaN, never negative, never above `maxDelay`, even for huge `n`.
 *
 * @throws {@link CallbackError} when `random` throws, {@link ConfigurationError} when it returns
 * anything but a number in [0, 1) (a NaN delay would never fire).
 */
export function backoffDelay(shape: BackoffShape, n: number, previousDelay: number | undefined, random: () => number): number {
  const { baseDelay, maxDelay, factor, jitter } = shape;
  if (jitter === 'decorrelated') {
    const upper = Math.max(baseDelay, (previousDelay ?? baseDelay) * 3);
    return Math.min(maxDelay, baseDelay + draw(random) * (upper - baseDelay));
  }
  const d = baseDelay === 0 ? 0 : Math.min(maxDelay, baseDelay * factor ** (n - 1));
  if (jitter === 'full') return draw(random) * d;
  if (jitter === 'equal') return d / 2 + (draw(random) * d) / 2;
  return d;
}

/** One number from `random`, checked to be in [0, 1). */
function draw(random: () => number): number {
  let r: unknown;
  try {
    r = random();
  } catch (thrown) {
    throw new CallbackError('random', thrown, undefined);
  }
  if (typeof r === 'number' && r >= 0 && r < 1) return r;
  throw new ConfigurationError(`The retry jitter's random() returned ${describeValue(r)}; it must return a number in [0, 1) (Math.random, or seededRandom(seed)).`);
}
