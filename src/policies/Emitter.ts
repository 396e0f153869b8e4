import { reportUncaught } from '../util/reportUncaught.js';
import type { Disposable, Event } from './Event.js';

/**
 * The private side of an {@link Event}: a set of listeners that a policy notifies. Listeners run
 * synchronously in subscription order; a listener that throws does not stop the others (its error
 * is reported on a new macrotask, so it is never silent and never breaks the policy).
 *
 * @example
 * ```ts
 * private readonly retryEmitter = new Emitter<RetryEvent>();
 * readonly onRetry = this.retryEmitter.event;
 * ```
 */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();
  /** `listeners.size > 0`, kept as a plain field: policies ask on every call. */
  private listening = false;

  /** Subscribes a listener; see {@link Event}. */
  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    this.listening = true;
    return {
      dispose: () => {
        this.listeners.delete(listener);
        this.listening = this.listeners.size > 0;
      },
    } satisfies Disposable;
  };

  /** True when anyone listens, so callers can skip building the event object (and timing the call). */
  get hasListeners(): boolean {
    return this.listening;
  }

  /** Calls every listener with `value`. */
  emit(value: T): void {
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch (error) {
        reportUncaught(error);
      }
    }
  }
}
