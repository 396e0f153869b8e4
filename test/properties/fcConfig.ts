/**
 * fast-check settings from the environment:
 * - `FC_RUNS`: the total number of runs over the properties (default 200, split in proportion);
 * - `FC_SEED` (with `FC_PATH` from a failure report): replays a run exactly.
 */
import type fc from 'fast-check';

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return value;
}

/** The default runs of the properties sum to this. */
const DEFAULT_TOTAL = 200;

/** How many runs a property whose default share is `defaultRuns` makes. */
export function runsFor(defaultRuns: number): number {
  const total = envInt('FC_RUNS');
  return total === undefined ? defaultRuns : Math.max(1, Math.round((total * defaultRuns) / DEFAULT_TOTAL));
}

/** The vitest timeout of a property: generous, and growing with the runs asked for (a run takes a few ms). */
export function testTimeoutFor(defaultRuns: number): number {
  return Math.max(90_000, runsFor(defaultRuns) * 50);
}

/** The `fc.assert` parameters for a property whose default share of the runs is `defaultRuns`. */
export function fcParameters<T>(defaultRuns: number): fc.Parameters<T> {
  const seed = envInt('FC_SEED');
  const path = process.env.FC_PATH;
  return {
    numRuns: runsFor(defaultRuns),
    ...(seed === undefined ? {} : { seed }),
    ...(path === undefined || path === '' ? {} : { path, endOnFailure: true }),
    // stop shrinking in time to report the (partly shrunk) counterexample, seed and path before vitest's timeout
    interruptAfterTimeLimit: testTimeoutFor(defaultRuns) - 20_000,
    markInterruptAsFailure: true,
  };
}
