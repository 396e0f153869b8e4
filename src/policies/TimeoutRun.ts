import { TimeoutError } from '../errors/TimeoutError.js';
import type { Clock, TimerHandle } from '../util/Clock.js';
import type { PolicyContext } from './Policy.js';
import { toCancelledError } from './toCancelledError.js';

/** What a {@link TimeoutRun} reports back to its policy. */
export interface TimeoutRunOwner {
  readonly clock: Clock;
  succeeded(durationMs: number): void;
  timedOut(error: TimeoutError): void;
}

/**
 * One call under a {@link TimeoutPolicy}; it is also the context handed to the function. Its
 * happy path costs one timer: the `AbortController` is created only if the function reads
 * `signal`, a listener goes on the caller's signal only when there is one, and nothing is aborted
 * on success. The timer and the listener are released however the call ends.
 *
 * @internal
 */
export class TimeoutRun<T> implements PolicyContext {
  readonly attempt: number = 1;
  private controller: AbortController | undefined;
  private timer: TimerHandle;
  private done = false;
  private aborted = false;
  private abortReason: unknown;
  private readonly startedAt: number;
  private resolve!: (value: T) => void;
  private reject!: (error: unknown) => void;

  constructor(
    private readonly owner: TimeoutRunOwner,
    private readonly limit: number,
    private readonly parent: AbortSignal | undefined,
  ) {
    this.startedAt = owner.clock.now();
  }

  /** The signal for the function: aborted on timeout (reason: the TimeoutError) or caller cancellation. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Starts `fn` and the timer; settles with fn's outcome, a TimeoutError, or a CancelledError. */
  run(fn: (ctx: PolicyContext) => PromiseLike<T> | T): Promise<T> {
    const promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.timer = this.owner.clock.setTimeout(this.onTimer, this.limit);
    this.parent?.addEventListener('abort', this.onAbort);
    try {
      Promise.resolve(fn(this)).then(this.onValue, this.onError);
    } catch (error) {
      this.onError(error);
    }
    return promise;
  }

  private readonly onValue = (value: T): void => {
    if (!this.finish()) return;
    this.owner.succeeded(this.owner.clock.now() - this.startedAt);
    this.resolve(value);
  };

  private readonly onError = (error: unknown): void => {
    if (this.finish()) this.reject(error);
  };

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (!this.finish()) return;
    const error = new TimeoutError(this.limit, this.owner.clock.now() - this.startedAt, {}, 'The call');
    this.abortWith(error);
    this.owner.timedOut(error);
    this.reject(error);
  };

  private readonly onAbort = (): void => {
    const parent = this.parent as AbortSignal;
    if (!this.finish()) return;
    this.abortWith(parent.reason);
    this.reject(toCancelledError(parent));
  };

  private abortWith(reason: unknown): void {
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  /** Marks the run settled and releases the timer and the listener; false if it had already settled. */
  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.timer !== undefined) this.owner.clock.clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onAbort);
    return true;
  }
}
