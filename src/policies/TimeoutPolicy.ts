import type { TimeoutError } from '../errors/TimeoutError.js';
import { systemClock, type Clock } from '../util/Clock.js';
import { DeadlineScheduler } from '../util/DeadlineScheduler.js';
import { AdaptiveTimeout } from './AdaptiveTimeout.js';
import { checkClock, checkOption, checkOptionsObject } from './checkOption.js';
import { Emitter } from './Emitter.js';
import { FunctionRun } from './FunctionRun.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import type { Policy, PolicyContext } from './Policy.js';
import { TIMED_OUT, stackOf, type PolicyStack, type TimeoutStage } from './PolicyStack.js';
import type { TimeoutSpec } from './TimeoutOptions.js';

/** Options of a {@link TimeoutPolicy} besides the limit. */
export interface TimeoutPolicyOptions {
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
}

/**
 * Limits how long a call may run. When the limit passes, the call rejects at once with a
 * `TimeoutError` (carrying the limit and the elapsed time) and `ctx.signal` is aborted with that
 * error as its reason; a result the abandoned function produces later is ignored. Aborting the
 * caller's signal rejects with `CancelledError`, never a `TimeoutError`.
 *
 * The limit is fixed, or adaptive: `multiplier ×` the moving average of recent durations, clamped
 * to `[min, max]` and grown by `growth` on each timeout (see {@link AdaptiveTimeout}).
 *
 * The happy path costs no timer of its own: the limit is an entry in the clock's one deadline
 * scheduler; no `AbortController` exists unless the function reads `ctx.signal`, no listener unless
 * a caller signal is passed, no `abort()` on success.
 *
 * @example
 * ```ts
 * const timeout = new TimeoutPolicy({ adaptive: { initial: 2_000, min: 200, max: 10_000 } });
 * const reply = await timeout.execute(({ signal }) => llm.complete(prompt, { signal }));
 * ```
 */
export class TimeoutPolicy implements Policy, TimeoutStage {
  /** Time source. */
  readonly clock: Clock;
  /** @internal Where attempt deadlines are scheduled (the clock's one scheduler). */
  readonly scheduler: DeadlineScheduler;
  /** @internal This policy alone, as a pipeline. */
  readonly stack: PolicyStack;
  private readonly fixed: number;
  private readonly adaptive: AdaptiveTimeout | undefined;
  private readonly timeoutEmitter = new Emitter<TimeoutError>();
  /** Fires with the `TimeoutError` each time a call times out. */
  readonly onTimeout = this.timeoutEmitter.event;

  /** @throws {@link ConfigurationError} when the limit or an adaptive option is out of range. */
  constructor(spec: TimeoutSpec, options: TimeoutPolicyOptions = {}) {
    checkOptionsObject('TimeoutPolicy', options, '{ clock }');
    this.clock = checkClock('TimeoutPolicy', options.clock) ?? systemClock;
    this.scheduler = DeadlineScheduler.for(this.clock);
    this.stack = stackOf({ timeout: this });
    if (typeof spec === 'object' && spec !== null && 'adaptive' in spec) {
      this.adaptive = new AdaptiveTimeout(spec.adaptive);
      this.fixed = 0;
    } else {
      const ms = typeof spec === 'object' && spec !== null ? spec.ms : spec;
      this.fixed = checkOption('TimeoutPolicy', 'ms', ms, { min: 1 });
    }
  }

  /** The limit the next call gets, in ms. */
  currentLimit(): number {
    return this.adaptive === undefined ? this.fixed : this.adaptive.current;
  }

  /** @internal True when the limit adapts to observed durations (so successes need timing). */
  get adapts(): boolean {
    return this.adaptive !== undefined;
  }

  /** Feeds a successful call's duration to an adaptive limit (no-op when fixed). */
  recordSuccess(durationMs: number): void {
    this.adaptive?.recordSuccess(durationMs);
  }

  /** Tells an adaptive limit that a call timed out, growing it (no-op when fixed). */
  recordTimeout(): void {
    this.adaptive?.recordTimeout();
  }

  /**
   * Runs `fn` within the current limit. Successes and timeouts are recorded automatically.
   *
   * @throws {@link TimeoutError} when the limit passes first.
   * @throws {@link CancelledError} when `signal` aborts first.
   */
  execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal: AbortSignal = neverAbortedSignal): Promise<T> {
    return new FunctionRun(this.stack, fn, signal, 1).run();
  }

  /** @internal (TimeoutStage) An attempt's limit passed: records it and fires `onTimeout`. */
  [TIMED_OUT](error: TimeoutError): void {
    this.recordTimeout();
    if (this.timeoutEmitter.hasListeners) this.timeoutEmitter.emit(error);
  }
}
