import type { Clock } from '../util/Clock.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import { toCancelledError } from './toCancelledError.js';

/**
 * Waits `ms` on `clock`. Aborting `signal` rejects at once with a `CancelledError` and clears the
 * timer; the abort listener is removed however the sleep ends.
 */
export function sleep(clock: Clock, ms: number, signal: AbortSignal = neverAbortedSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(toCancelledError(signal));
  if (signal === neverAbortedSignal) return new Promise((resolve) => void clock.setTimeout(resolve, ms));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(toCancelledError(signal));
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
