import { neverAbortedSignal } from './neverAbortedSignal.js';
import type { PolicyContext } from './Policy.js';
import { PolicyRun } from './PolicyRun.js';
import type { PolicyStack } from './PolicyStack.js';
import { timeoutAdvice } from './timeoutAdvice.js';
import { toCancelledError } from './toCancelledError.js';

/**
 * @internal A policy run whose attempt is a function: what `policy.execute(fn, signal)` and
 * `wrap(…).execute(fn, signal)` do. Each attempt gets its own {@link PolicyContext}.
 *
 * The caller's `signal`: aborted before the run, it rejects at once with `CancelledError`. With a
 * timeout stage, attempts are abandonable: aborting rejects at once and aborts the attempt's
 * `ctx.signal`. Without one, `fn` receives the caller's signal itself and its outcome is awaited
 * (then neither retried nor replaced); only waits (backoff, bulkhead queue) end at once.
 */
export class FunctionRun<T> extends PolicyRun<T> {
  private current: AttemptContext | undefined = undefined;
  private listening = false;

  constructor(
    stack: PolicyStack,
    private readonly fn: (ctx: PolicyContext) => PromiseLike<T> | T,
    readonly callerSignal: AbortSignal,
    /** The attempt number contexts report when this stack has no retry stage (an enclosing retry's). */
    private readonly outerAttempt: number,
  ) {
    super(stack);
  }

  /** Runs the call; always a promise. */
  run(): Promise<T> {
    if (this.callerSignal.aborted) return Promise.reject(toCancelledError(this.callerSignal));
    if (this.stack.timeout !== undefined) this.listen(true);
    try {
      const outcome = this.start();
      return outcome === this ? this.promise() : Promise.resolve(outcome as T);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** True when attempts get a signal of their own (something besides the caller can abort them). */
  get ownsSignals(): boolean {
    return this.stack.timeout !== undefined;
  }

  protected callAttempt(): T | PromiseLike<T> {
    const ctx = new AttemptContext(this, this.stack.retry === undefined ? this.outerAttempt : this.attempt);
    this.current = ctx;
    return this.fn(ctx);
  }

  protected fallbackContext(): PolicyContext {
    return this.current ?? new AttemptContext(this, this.outerAttempt);
  }

  protected describeAttempt(): string {
    return 'The call';
  }

  protected timeoutAdvice(): string {
    return timeoutAdvice.policy;
  }

  protected override abortAttempt(reason: unknown): void {
    this.current?.abort(reason);
  }

  protected override waiting(on: boolean): void {
    if (this.stack.timeout === undefined) this.listen(on);
  }

  protected override callerGaveUp(): boolean {
    return this.callerSignal.aborted;
  }

  protected override settle(ok: boolean, outcome: unknown): void {
    this.listen(false);
    super.settle(ok, outcome);
  }

  /** @internal The caller's signal aborted (the run is its own listener: no closure per run). */
  handleEvent(): void {
    this.cancel(toCancelledError(this.callerSignal));
  }

  private listen(on: boolean): void {
    if (on === this.listening || this.callerSignal === neverAbortedSignal) return;
    this.listening = on;
    if (on) this.callerSignal.addEventListener('abort', this, { once: true });
    else this.callerSignal.removeEventListener('abort', this);
  }
}

/**
 * @internal The context of one attempt of a {@link FunctionRun}. Its signal is the caller's when
 * nothing else can abort the attempt; otherwise its own, created only when read.
 */
class AttemptContext implements PolicyContext {
  private controller: AbortController | undefined = undefined;
  private reason: unknown = undefined;
  private aborted = false;

  constructor(
    private readonly run: { readonly ownsSignals: boolean; readonly callerSignal: AbortSignal },
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    if (!this.run.ownsSignals) return this.run.callerSignal;
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
