/**
 * Simulated-time helpers for the examples: agents "work" by sleeping on the runtime's clock, and
 * `main()` moves a {@link SimulatedClock} forward until the request it waits for settles, so every
 * example runs in milliseconds of real time and prints the same numbers on every run.
 */
import type { Clock, SimulatedClock } from '../../src/index.js';

/** Waits `ms` on `clock`; rejects with the signal's reason as soon as `signal` aborts (e.g. on a timeout). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Advances `clock` in steps of `stepMs` until `work` settles, then returns its outcome (or throws
 * its error). Timers fire at their exact due time whatever the step. Gives up after `limitMs` of
 * simulated time, so a request that never settles fails loudly instead of spinning forever.
 */
export async function settle<T>(clock: SimulatedClock, work: Promise<T>, stepMs = 10, limitMs = 600_000): Promise<T> {
  let done = false;
  const observed = work.then(
    () => (done = true),
    () => (done = true),
  );
  const giveUpAt = clock.now() + limitMs;
  await clock.advance(0); // let the runtime run whatever needs no time
  while (!done) {
    if (clock.now() >= giveUpAt) throw new Error(`settle: nothing settled within ${limitMs} ms of simulated time`);
    await clock.advance(stepMs);
  }
  await observed;
  return work;
}

/** Seconds with two decimals, as the seeds print them: `1234` → `"1.23s"`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}
