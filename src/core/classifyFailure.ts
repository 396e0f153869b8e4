import { isAgentwireError } from '../errors/AgentwireError.js';
import type { FailureReason } from './RuntimeEvents.js';

const REASONS: Partial<Record<string, FailureReason>> = {
  CANT_HANDLE: 'unhandled',
  TIMEOUT: 'timeout',
  CANCELLED: 'cancelled',
  FENCED: 'cancelled',
  CIRCUIT_OPEN: 'circuit-open',
  REJECTED: 'rejected',
  MESSAGE_DROPPED: 'dropped',
  MESSAGE_VALIDATION: 'validation',
  AGENT_CONSTRUCTION: 'construction',
  RUNTIME_STOPPED: 'stopped',
  UNDELIVERABLE: 'undeliverable',
  BULKHEAD_FULL: 'bulkhead-full',
  MAILBOX_FULL: 'mailbox-full',
  DEAD_LETTERED: 'dead-lettered',
};

/** @internal The failure reason an error stands for. */
export function classifyFailure(error: unknown): FailureReason {
  if (!isAgentwireError(error)) return 'error';
  return REASONS[error.code] ?? 'error';
}
