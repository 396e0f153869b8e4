import type { Clock } from './Clock.js';

/** Offsets to `Date.now()` of clocks without `toWallTime`, measured once per clock. */
const offsets = new WeakMap<Clock, number>();

/**
 * @internal The wall-clock time (epoch ms) of `at`, a time `clock.now()` returned: the clock's own
 * `toWallTime`, else `at` plus the clock's offset to `Date.now()`, measured on first use. Called
 * only where an event or a record is built, never on the hot path.
 */
export function wallTimeOf(clock: Clock, at: number): number {
  if (clock.toWallTime !== undefined) return clock.toWallTime(at);
  let offset = offsets.get(clock);
  if (offset === undefined) offsets.set(clock, (offset = Date.now() - clock.now()));
  return offset + at;
}
