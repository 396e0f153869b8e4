/**
 * @internal A duration for people: `2.3 ms` below 10 ms (to 0.1 ms), whole milliseconds above
 * (`26 ms`, `1500 ms`). Runtime clocks measure fractions of a millisecond; labels do not need them.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} ms`;
  const rounded = Math.abs(ms) < 10 ? Math.round(ms * 10) / 10 : Math.round(ms);
  return `${rounded === 0 ? 0 : rounded} ms`; // no "-0 ms"
}
