/**
 * @internal Calls `onValue` or `onError` once `thenable` settles. A native promise is subscribed
 * directly; any other thenable goes through `Promise.resolve`, so one whose `then` throws counts as
 * rejected with what it threw, and one that calls back twice, or both ways, is heard once
 * (Promises/A+ §2.3.3) — a hostile result can neither crash the caller nor settle it twice.
 */
export function onSettled<T>(thenable: PromiseLike<T>, onValue: (value: T) => void, onError: (error: unknown) => void): void {
  if (thenable instanceof Promise) thenable.then(onValue, onError);
  else Promise.resolve(thenable).then(onValue, onError);
}
