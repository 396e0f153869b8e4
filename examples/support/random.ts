/**
 * The examples' seeded PRNG: agentwire's own `seededRandom` (mulberry32), so "random" failures and
 * jitter are the same on every run.
 */
export { seededRandom as mulberry32 } from '../../src/index.js';
