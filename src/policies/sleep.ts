import type { Clock } from '../util/Clock.js';
import { DeadlineScheduler, type DeadlineEntry } from '../util/DeadlineScheduler.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import { toCancelledError } from './toCancelledError.js';

/**
 * Waits `ms` on `clock` (an entry in the clock's one deadline scheduler, like every wait in
 * agentwire). Aborting `signal` rejects at once with a `CancelledError` and unschedules the wait; the
 * abort listener is removed however the sleep ends.
 *
 * @example
 * ```ts
 * await sleep(clock, 250, controller.signal);
 * ```
 */
export function sleep(clock: Clock, ms: number, signal: AbortSignal = neverAbortedSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(toCancelledError(signal));
  return new Promise((resolve, reject) => new Sleep(DeadlineScheduler.for(clock), signal, resolve, reject).start(clock, ms));
}

/** One pending {@link sleep}: its own deadline entry and abort listener. */
class Sleep implements DeadlineEntry {
  heapIndex = -1;

  constructor(
    private readonly scheduler: DeadlineScheduler,
    private readonly signal: AbortSignal,
    private readonly resolve: () => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  start(clock: Clock, ms: number): void {
    const now = clock.now();
    this.scheduler.add(this, now + Math.max(0, ms), now);
    if (this.signal !== neverAbortedSignal) this.signal.addEventListener('abort', this, { once: true });
  }

  onDeadline(): void {
    this.signal.removeEventListener('abort', this);
    this.resolve();
  }

  /** The signal aborted. */
  handleEvent(): void {
    this.scheduler.remove(this);
    this.reject(toCancelledError(this.signal));
  }
}
