import { AgentwireError, type AgentwireErrorContext } from './AgentwireError.js';

/** A bulkhead had no free execution slot and no free queue slot: the call was not attempted. */
export class BulkheadFullError extends AgentwireError {
  /** Always `'BULKHEAD_FULL'`. */
  readonly code = 'BULKHEAD_FULL' as const;
  /** How many calls the bulkhead runs at once. */
  readonly maxConcurrent: number;
  /** How many calls the bulkhead lets wait for a slot. */
  readonly maxQueued: number;

  constructor(maxConcurrent: number, maxQueued: number, context: AgentwireErrorContext = {}) {
    super(
      `The bulkhead is full (${maxConcurrent}/${maxConcurrent} execution slots and ${maxQueued}/${maxQueued} queue slots in use); the call was not attempted. Raise maxConcurrent or maxQueued, or shed load upstream.`,
      context,
    );
    this.maxConcurrent = maxConcurrent;
    this.maxQueued = maxQueued;
  }
}
