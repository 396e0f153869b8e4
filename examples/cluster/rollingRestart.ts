import type { ClusterProcess } from './ClusterProcess.js';

/** What {@link rollingRestart} needs from the demo. */
export interface RollingRestartSteps {
  /** Starts the replacement worker number `n` (its name `worker-<n>`). */
  spawn(n: number): ClusterProcess;
  readonly log: (line: string) => void;
}

/** One worker replaced: how long it took from its SIGTERM to its exit (its drain, then the release of its partitions). */
export interface Replacement {
  readonly old: string;
  readonly replacement: string;
  readonly drainMs: number;
}

/**
 * A rolling restart as a deployment does it (Kubernetes' rolling update with one extra pod): for each
 * worker in turn, start its replacement, wait until it is ready, then SIGTERM the old one and wait for
 * it to exit. The old worker drains (`runtime.stopOnSignals()`): it stops pulling, finishes the turns it
 * is running, hands what it had not started back to the stream and releases its partitions at once, so
 * the others — the replacement among them — take them over within milliseconds.
 * Resolves with the workers running afterwards and what each replacement took.
 */
export async function rollingRestart(workers: readonly ClusterProcess[], firstNumber: number, steps: RollingRestartSteps): Promise<{ workers: ClusterProcess[]; replacements: Replacement[] }> {
  const live = [...workers];
  const replacements: Replacement[] = [];
  for (const [i, old] of workers.entries()) {
    const replacement = steps.spawn(firstNumber + i);
    await replacement.next('ready');
    const signalled = Date.now();
    old.signal('SIGTERM');
    await old.exited;
    const drainMs = Date.now() - signalled;
    replacements.push({ old: old.name, replacement: replacement.name, drainMs });
    steps.log(`  ↻ ${replacement.name} (pid ${replacement.pid}) ready; ${old.name} got SIGTERM, drained and left in ${drainMs} ms`);
    live.splice(live.indexOf(old), 1, replacement);
  }
  return { workers: live, replacements };
}
