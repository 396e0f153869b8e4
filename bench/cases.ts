import type { Case } from './harness.js';

/** Shapes of timed loops shared by the scenarios. */

/** One request in flight: a sequential loop awaiting each call (what a caller awaiting one answer at a time does). */
export function awaitLoop(name: string, call: () => Promise<unknown> | unknown): Case {
  return {
    name,
    async run(n) {
      for (let i = 0; i < n; i++) await call();
    },
  };
}

/** `count` calls in flight: each unit issues `count` calls (`call(i)`), then awaits them all. */
export function batch(name: string, count: number, call: (i: number) => Promise<unknown>): Case {
  const pending: Promise<unknown>[] = new Array(count);
  return {
    name,
    opsPerUnit: count,
    async run(n) {
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < count; i++) pending[i] = call(i);
        await Promise.all(pending);
      }
    },
  };
}

/** A sequential loop of calls that are expected to reject (e.g. an open circuit breaker). */
export function rejectingLoop(name: string, call: () => Promise<unknown>): Case {
  return {
    name,
    async run(n) {
      for (let i = 0; i < n; i++) {
        try {
          await call();
        } catch {
          // expected
        }
      }
    },
  };
}
