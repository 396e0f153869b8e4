/**
 * A seeded pseudo-random generator returning numbers in [0, 1) (mulberry32: 32-bit state, period
 * 2^32; for simulations and reproducible jitter, not for cryptography). The same seed gives the
 * same sequence, so a runtime built with `random: seededRandom(42)` retries with the same delays
 * on every run.
 *
 * @example
 * ```ts
 * const runtime = new SingleThreadedAgentRuntime({ clock: new SimulatedClock(), random: seededRandom(42) });
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
