/**
 * The wire identity of one attempt of a request: the request id for the first attempt,
 * `<requestId>#<n>` for the n-th send of a request with caller-side policies (`metadata.attempt`: retries and fallback recipients count alike). A retry is a new execution
 * — its own `Nats-Msg-Id`, stored answer, reply correlation and cancel — while a republish of the
 * same attempt (a lost PubAck) keeps its key, so the broker stores it once.
 */
export function attemptKey(requestId: string, attempt: number | undefined): string {
  return attempt === undefined || attempt === 1 ? requestId : `${requestId}#${attempt}`;
}
