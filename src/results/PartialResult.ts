/**
 * A handler's answer when it finished only part of the work: the parts that completed and the
 * parts that failed (with why). The request still completes (state `partial` in its lifecycle
 * record); the caller decides whether to retry the failed parts or fall back — see
 * {@link completePartial}.
 *
 * @example
 * ```ts
 * @messageHandler()
 * async runTests(message: TestBatch): Promise<PartialResult<TestReport, string>> {
 *   …
 *   return new PartialResult(passed, failures.map((f) => ({ item: f.name, error: f.reason })));
 * }
 * ```
 */
export class PartialResult<C = unknown, F = unknown> {
  constructor(
    /** The results of the parts that completed. */
    readonly completed: readonly C[],
    /** The parts that failed, each with its error. */
    readonly failed: readonly { readonly item: F; readonly error: unknown }[],
  ) {}

  /** True when nothing failed. */
  get isComplete(): boolean {
    return this.failed.length === 0;
  }

  /** `"2 completed, 1 failed"`. */
  summary(): string {
    return `${this.completed.length} completed, ${this.failed.length} failed`;
  }
}
