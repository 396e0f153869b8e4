import { z } from 'zod';
import { ConfigurationError } from '../errors/ConfigurationError.js';

/**
 * The persistable state of a {@link CircuitBreakerPolicy} (`toJSON()`), independent of the clock's
 * origin. Half-open exports as open with `retryAfter: 0` (a restored breaker trials at once);
 * isolated exports as open for the full open duration (isolation handles are process-local).
 * A time window is not exported: it starts empty after a restore.
 */
export interface CircuitBreakerSnapshot {
  /** Format version. */
  readonly version: 1;
  /** `'closed'` or `'open'`. */
  readonly state: 'closed' | 'open';
  /** When open: ms until a trial call is admitted. */
  readonly retryAfter: number;
  /** The current open duration (grown by `recoveryBackoff`). */
  readonly openDuration: number;
  /** The current run of consecutive failures. */
  readonly consecutiveFailures: number;
  /** A count window's outcomes, oldest first (1 = failure). */
  readonly samples?: readonly number[];
}

const schema = z.object({
  version: z.literal(1),
  state: z.enum(['closed', 'open']),
  retryAfter: z.number().min(0),
  openDuration: z.number().min(0),
  consecutiveFailures: z.number().int().min(0),
  samples: z.array(z.union([z.literal(0), z.literal(1)])).optional(),
});

/**
 * Checks a snapshot read back from storage.
 *
 * @throws {@link ConfigurationError} listing what is wrong with it.
 */
export function parseCircuitBreakerSnapshot(value: unknown): CircuitBreakerSnapshot {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigurationError(
    `CircuitBreakerPolicy: the saved state is not a valid snapshot; pass what toJSON() returned.\n${z.prettifyError(result.error)}`,
  );
}
