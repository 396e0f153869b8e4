import type { Stats } from './harness.js';

/**
 * Baselines measured before agentwire handles its first message. agentwire keeps the call chain in
 * an `AsyncLocalStorage`; on Node 20 its first `run()` installs promise hooks that stay on for the
 * whole process and slow every `await` (~3×, ours included). Baselines measured afterwards carry
 * that tax too, so each scenario records both: the pristine baseline (a process without agentwire)
 * and the same baseline re-measured side by side with agentwire.
 */
export const pristine = new Map<string, Stats>();

/** The pristine stats of `name`. @throws when it was not measured. */
export function pristineOf(name: string): Stats {
  const s = pristine.get(name);
  if (s === undefined) throw new Error(`No pristine baseline "${name}"`);
  return s;
}
