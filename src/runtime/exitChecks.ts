/** A check to run when the process is about to exit, on an object held weakly. */
interface ExitCheck {
  readonly target: WeakRef<object>;
  readonly check: (target: object) => void;
}

const checks = new Set<ExitCheck>();
let hooked = false;

/**
 * @internal Runs `check(target)` once when the process is about to exit for lack of work
 * (`beforeExit`), unless `target` was collected by then. One process listener serves every check,
 * and nothing here keeps `target` alive.
 */
export function checkBeforeExit<T extends object>(target: T, check: (target: T) => void): void {
  if (checks.size >= 64 && (checks.size & (checks.size - 1)) === 0) forgetCollected();
  checks.add({ target: new WeakRef(target), check: (alive) => check(alive as T) });
  if (hooked) return;
  hooked = true;
  process.once('beforeExit', runChecks);
}

function runChecks(): void {
  hooked = false;
  const due = [...checks];
  checks.clear();
  for (const { target, check } of due) {
    const alive = target.deref();
    if (alive !== undefined) check(alive);
  }
}

/** Drops the checks whose target is gone, so a long-lived process does not accumulate them. */
function forgetCollected(): void {
  for (const entry of checks) if (entry.target.deref() === undefined) checks.delete(entry);
}
