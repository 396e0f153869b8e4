/** The two functions that settle a promise. */
export interface Settlers<T> {
  resolve: ((value: T | PromiseLike<T>) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;
}

let capturedResolve: ((value: never) => void) | undefined;
let capturedReject: ((error: unknown) => void) | undefined;

/** A promise executor that allocates no closure: it hands the settlers over through module state. */
function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * @internal A new promise whose settlers are stored on `owner` (no closure per promise: the hot
 * path of every pending request).
 */
export function promiseSettledBy<T>(owner: Settlers<T>): Promise<T> {
  const promise = new Promise<T>(capture);
  owner.resolve = capturedResolve as (value: T | PromiseLike<T>) => void;
  owner.reject = capturedReject;
  return promise;
}
