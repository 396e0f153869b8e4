const checks = new Map<object, () => void>();
let hooked = false;

/**
 * @internal Runs `check(target)` once when the process is about to exit for lack of work
 * (`beforeExit`), unless {@link cancelExitCheck} was called for `target` first. One process
 * listener serves every check. `target` is held until then: the program that forgot to start its
 * runtime usually dropped every reference to it too, and the warning is for exactly that program.
 */
export function checkBeforeExit<T extends object>(target: T, check: (target: T) => void): void {
  checks.set(target, () => check(target));
  if (hooked) return;
  hooked = true;
  process.once('beforeExit', runChecks);
}

/** @internal Forgets the check of `target` (nothing to warn about any more). */
export function cancelExitCheck(target: object): void {
  checks.delete(target);
}

function runChecks(): void {
  hooked = false;
  const due = [...checks.values()];
  checks.clear();
  for (const check of due) check();
}
