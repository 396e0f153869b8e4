/** What a policy passes to the function it runs. */
export interface PolicyContext {
  /**
   * Aborted when the call should stop: the caller cancelled it, or a policy gave up on it (for
   * example a {@link TimeoutPolicy} whose limit passed). Pass it on to I/O that accepts a signal.
   */
  readonly signal: AbortSignal;
  /**
   * The 1-based number of this attempt. Only a {@link RetryPolicy} counts attempts; every other
   * policy passes 1 (or, inside {@link wrap}, the attempt of the nearest enclosing retry policy).
   */
  readonly attempt: number;
}

/** Payload of a policy's `onSuccess` event (cockatiel's `ISuccessEvent`): how long the call took. */
export interface SuccessEvent {
  /** Milliseconds from the start of the call to its result, on the policy's clock. */
  readonly duration: number;
}

/** Payload of a policy's `onFailure` event (cockatiel's `IFailureEvent`). */
export interface FailureEvent {
  /** Milliseconds from the start of the call to its failure, on the policy's clock. */
  readonly duration: number;
  /** Whether the policy counted the failure (a breaker's `isFailure` may decline an error: then false, and it counts as a success). */
  readonly handled: boolean;
  /** Why the call failed: the error it threw, or the policy's own (a `TimeoutError` when its limit passed). */
  readonly reason: { readonly error: unknown };
}

/**
 * The shape every resilience policy shares: run a function under the policy.
 *
 * `Alt` is the type of value the policy may produce instead of the function's own result (only a
 * {@link FallbackPolicy} has one; every other policy resolves with the function's result or rejects).
 *
 * @example
 * ```ts
 * const policy: Policy = new TimeoutPolicy(1_000);
 * const answer = await policy.execute(({ signal }) => fetch(url, { signal }));
 * ```
 */
export interface Policy<Alt = never> {
  /**
   * Runs `fn` under the policy.
   *
   * @param fn the work; it receives a {@link PolicyContext}.
   * @param signal the caller's cancellation signal; aborting it rejects with a `CancelledError`.
   */
  execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T | Alt>;
}
