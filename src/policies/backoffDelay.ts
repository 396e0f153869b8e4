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
 */
export function backoffDelay(shape: BackoffShape, n: number, previousDelay: number | undefined, random: () => number): number {
  const { baseDelay, maxDelay, factor, jitter } = shape;
  if (jitter === 'decorrelated') {
    const upper = Math.max(baseDelay, (previousDelay ?? baseDelay) * 3);
    return Math.min(maxDelay, baseDelay + random() * (upper - baseDelay));
  }
  const d = baseDelay === 0 ? 0 : Math.min(maxDelay, baseDelay * factor ** (n - 1));
  if (jitter === 'full') return random() * d;
  if (jitter === 'equal') return d / 2 + (random() * d) / 2;
  return d;
}
