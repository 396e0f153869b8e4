/**
 * @internal True for promises and other thenables (objects or functions with a `then` method). A
 * `then` getter that throws counts as a thenable: settling it through `onSettled` rejects with
 * what the getter threw, instead of the check throwing in the caller's face.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value instanceof Promise) return true;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return true;
  }
}
