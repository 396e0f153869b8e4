import { getEventListeners } from 'node:events';

/** The observed outcome of a promise, readable synchronously; attaching at once avoids unhandled rejections. */
export interface Observed<T> {
  settled: boolean;
  rejected: boolean;
  value: T | undefined;
  error: unknown;
}

/** Starts observing `promise`. */
export function observe<T>(promise: Promise<T>): Observed<T> {
  const o: Observed<T> = { settled: false, rejected: false, value: undefined, error: undefined };
  promise.then(
    (value) => Object.assign(o, { settled: true, value }),
    (error: unknown) => Object.assign(o, { settled: true, rejected: true, error }),
  );
  return o;
}

/** A function that fails `failures` times (with fresh errors from `make`) and then returns `value`. */
export function flaky<T>(failures: number, value: T, make: (n: number) => unknown = (n) => new Error(`failure ${n}`)) {
  const calls: { attempt: number; signal: AbortSignal }[] = [];
  const errors: unknown[] = [];
  const fn = (ctx: { attempt: number; signal: AbortSignal }): Promise<T> => {
    calls.push(ctx);
    if (calls.length <= failures) {
      const error = make(calls.length);
      errors.push(error);
      return Promise.reject(error);
    }
    return Promise.resolve(value);
  };
  return { fn, calls, errors };
}

/** How many abort listeners `signal` has now. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}
