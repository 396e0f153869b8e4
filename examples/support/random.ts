/**
 * A small seeded PRNG for the examples, so "random" failures and jitter are the same on every run.
 * mulberry32: 32-bit state, period 2^32, good enough for simulations (not for cryptography).
 */

/** Returns a function producing numbers in [0, 1), fully determined by `seed`. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
