import type { Stats } from './harness.js';

/**
 * Baselines measured in phase 1, before agentwire handles its first message. (agentwire once kept
 * the call chain in an `AsyncLocalStorage`, whose promise hooks slowed every `await` in the process
 * ~3×; this split made that visible, and it is why agentwire no longer uses one.) Targets are judged
 * against the baseline re-measured interleaved with agentwire in phase 2, the side-by-side figure;
 * phase-1 figures are shown for reference (JIT and CPU state differ between the phases).
 */
export const pristine = new Map<string, Stats>();

/** The pristine stats of `name`. @throws when it was not measured. */
export function pristineOf(name: string): Stats {
  const s = pristine.get(name);
  if (s === undefined) throw new Error(`No pristine baseline "${name}"`);
  return s;
}
