/*
 * @internal Where a delivery is inside the in-process engine. Only the dispatcher moves a delivery
 * between these; the public lifecycle (`RequestState`) is driven from the same moves.
 */

/** Accepted, not yet queued (inside send interventions). */
export const NEW = 0;
/** In its recipient's mailbox. */
export const QUEUED = 1;
/** Its handler is running (the recipient's turn). */
export const RUNNING = 2;
/** An outcome was delivered or recorded; later results are late. */
export const SETTLED = 3;
