/**
 * @internal What a `TimeoutError` tells the user to do, by where the limit came from: the advice
 * names the knob that set it. The pipeline's innermost step knows which one applies (a function run
 * by a policy, a handler attempt, a request's delivery), so it costs nothing until a timeout fires.
 */
export const timeoutAdvice = {
  /** A policy's `execute` (standalone, or inside `wrap`): the function received `ctx.signal`. */
  policy:
    "Raise the TimeoutPolicy's limit, or make the function faster; pass the signal execute() gives it (execute(({ signal }) => fetch(url, { signal }))) on to the work it awaits so that an abandoned call stops.",
  /** A handler attempt limited by `@timeout`. */
  handler:
    "Raise the handler's @timeout limit, or make the handler faster; pass ctx.signal on to the work it awaits so that an abandoned attempt stops.",
  /** One delivery of a request limited by the `timeout` option of `sendMessage`. */
  send: 'Raise the "timeout" option of this sendMessage call, or make the recipient\'s handler faster.',
  /** A request's own deadline: its `timeout` send option, or the deadline of the request whose handler sent it. */
  request:
    'Raise the "timeout" option of this sendMessage call (or of the request whose handler sent it, whose deadline it inherits), or make the recipient\'s handler faster.',
  /** `handle.waitFor(level, { timeout })`: only the wait ended, not the request. */
  wait: 'Raise the "timeout" of waitFor(), or wait without one: the request itself goes on; only this wait ended.',
} as const;
