/** A signal that is never aborted: the default when the caller passes none. */
export const neverAbortedSignal: AbortSignal = new AbortController().signal;
