import { PartialResult } from './PartialResult.js';

/** Options of {@link completePartial}. */
export interface CompletePartialOptions<C, F> {
  /** Sends the failed parts again (e.g. to the same or another agent); may return a partial result again. */
  readonly retryFailed: (failed: readonly F[], round: number) => Promise<PartialResult<C, F> | readonly C[]>;
  /** How many rounds of retrying the failed parts (default 1). */
  readonly maxRounds?: number;
  /** Does what is still failing after the rounds yourself (the seeds' solo execution); without it the rest stays failed. */
  readonly fallback?: (failed: readonly F[]) => Promise<readonly C[]> | readonly C[];
}

/**
 * Turns a partial result into a complete one: retries only the failed parts for up to `maxRounds`
 * rounds, then hands what still fails to `fallback`. Resolves with all completed parts and whatever
 * could not be completed.
 *
 * @example
 * ```ts
 * const first = await runtime.sendMessage<PartialResult<Report, string>>(batch, worker);
 * const done = await completePartial(first, {
 *   retryFailed: (items) => runtime.sendMessage(new TestBatch(items), worker),
 *   fallback: (items) => items.map(runLocally),
 * });
 * ```
 */
export async function completePartial<C, F>(result: PartialResult<C, F>, options: CompletePartialOptions<C, F>): Promise<PartialResult<C, F>> {
  const completed = [...result.completed];
  let failed = result.failed;
  const rounds = options.maxRounds ?? 1;
  for (let round = 1; round <= rounds && failed.length > 0; round++) {
    const items = failed.map((f) => f.item);
    try {
      const next = await options.retryFailed(items, round);
      if (next instanceof PartialResult) {
        completed.push(...next.completed);
        failed = next.failed;
      } else {
        completed.push(...next);
        failed = [];
      }
    } catch (error) {
      failed = items.map((item) => ({ item, error }));
    }
  }
  if (failed.length > 0 && options.fallback !== undefined) {
    completed.push(...(await options.fallback(failed.map((f) => f.item))));
    failed = [];
  }
  return new PartialResult(completed, failed);
}
