import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/**
 * A worker was about to act for a partition whose lease it can no longer trust (it was not renewed
 * within its fencing share of the TTL: the worker was frozen, or its connection stalled), so it did
 * not: another worker may own the partition by now. The work is left to the partition's owner (the
 * request is redelivered); nothing needs fixing unless it happens often, which means workers pause
 * longer than the lease TTL allows (raise the TTL, or find the pauses).
 */
export class FencedError extends AgentwireError {
  /** Always `'FENCED'`. */
  readonly code = 'FENCED' as const;

  constructor(message: string, context: AgentwireErrorContext = {}) {
    super(message, context);
  }
}
