/**
 * The states of a request, following the seeds' request–response machine: `sent` (REQUEST_SENT),
 * `accepted` (stored by a broker: distributed runtimes only) / `received` / `processing` (WAITING,
 * acknowledged), then one outcome (RESPONSE_RECEIVED).
 */
export type RequestState =
  | 'sent'
  | 'accepted'
  | 'received'
  | 'processing'
  | 'completed'
  | 'partial'
  | 'failed'
  | 'timed-out'
  | 'cancelled'
  | 'rejected';

/** The seed document's phases, as the sender sees them. */
export type RequestPhase = 'REQUEST_SENT' | 'WAITING' | 'RESPONSE_RECEIVED';

const TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  sent: ['accepted', 'received', 'failed', 'timed-out', 'cancelled', 'rejected'],
  // Stored by a broker (distributed runtimes); the recipient's acknowledgments travel apart and may be lost.
  accepted: ['received', 'processing', 'completed', 'partial', 'failed', 'timed-out', 'cancelled', 'rejected'],
  // A handler-side @fallback may answer an attempt refused before it ran (open breaker, full bulkhead).
  received: ['processing', 'completed', 'partial', 'failed', 'timed-out', 'cancelled'],
  processing: ['processing', 'completed', 'partial', 'failed', 'timed-out', 'cancelled', 'rejected'],
  // A failed, timed-out or rejected request may be sent again by the caller (retry or reassignment),
  // answered by a caller-side fallback function, or given up by its caller while it waits to resend.
  failed: ['sent', 'completed', 'cancelled'],
  'timed-out': ['sent', 'completed', 'cancelled'],
  rejected: ['sent', 'completed', 'cancelled'],
  completed: [],
  partial: [],
  cancelled: [],
};

/** True when `to` may follow `from`. */
export function canTransition(from: RequestState, to: RequestState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** True for the states that end a request (unless the caller sends it again). */
export function isOutcome(state: RequestState): boolean {
  return state !== 'sent' && state !== 'accepted' && state !== 'received' && state !== 'processing';
}

/** The seed's phase for a state. */
export function phaseOf(state: RequestState): RequestPhase {
  if (state === 'sent') return 'REQUEST_SENT';
  return isOutcome(state) ? 'RESPONSE_RECEIVED' : 'WAITING';
}

/** Progress order used by `waitFor`: sent 0, accepted 0.5, received 1, processing 2, any outcome 3. */
export function levelOf(state: RequestState): number {
  if (state === 'sent') return 0;
  if (state === 'accepted') return 0.5;
  if (state === 'received') return 1;
  return state === 'processing' ? 2 : 3;
}
