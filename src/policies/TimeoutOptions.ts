import type { AdaptiveTimeoutOptions } from './AdaptiveTimeout.js';

/**
 * What a {@link TimeoutPolicy} limits calls to: a fixed number of milliseconds (`2_000` or
 * `{ ms: 2_000 }`) or an adaptive limit that follows observed durations.
 */
export type TimeoutSpec = number | { readonly ms: number } | { readonly adaptive: AdaptiveTimeoutOptions };
