let capturedResolve: ((value: never) => void) | undefined;
let capturedReject: ((error: unknown) => void) | undefined;

/** A promise executor that allocates no closure: it hands the settlers over through module state. */
function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * @internal A new pending promise, without a closure per promise (the hot path of every request).
 * Take its settlers right after with {@link takeResolve} and {@link takeReject}.
 *
 * @example
 * ```ts
 * const promise = pendingPromise<number>();
 * owner.resolve = takeResolve();
 * owner.reject = takeReject();
 * ```
 */
export function pendingPromise<T>(): Promise<T> {
  return new Promise<T>(capture);
}

/** @internal The resolve function of the promise {@link pendingPromise} made last. */
export function takeResolve<T>(): (value: T) => void {
  return capturedResolve as (value: T) => void;
}

/** @internal The reject function of the promise {@link pendingPromise} made last. */
export function takeReject(): (error: unknown) => void {
  return capturedReject!;
}
