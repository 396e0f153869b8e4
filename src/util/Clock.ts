/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * The source of time for the runtime and every policy. Inject a {@link SimulatedClock} in tests so
 * timeouts, backoff sleeps and half-open transitions run without real waiting.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; only differences matter. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer created by {@link Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * The wall-clock time (epoch milliseconds, as `Date.now()`) of `at`, a time {@link Clock.now}
   * returned. Optional: without it the runtime measures the offset to `Date.now()` once.
   */
  toWallTime?(at: number): number;
}

/** The real clock: `performance.now()`, the global timers, and `Date.now()` for wall-clock times. */
export const systemClock: Clock = {
  now: () => performance.now(),
  toWallTime: (at) => Math.round(Date.now() - (performance.now() - at)),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
