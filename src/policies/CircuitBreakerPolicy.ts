import type { AgentwireErrorContext } from '../errors/AgentwireError.js';
import { CallbackError } from '../errors/CallbackError.js';
import { CircuitOpenError } from '../errors/CircuitOpenError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { systemClock, type Clock } from '../util/Clock.js';
import { checkClock, checkOption, checkOptionsObject } from './checkOption.js';
import type { CircuitBreakerOptions, CircuitState } from './CircuitBreakerOptions.js';
import { parseCircuitBreakerSnapshot, type CircuitBreakerSnapshot } from './CircuitBreakerSnapshot.js';
import { Emitter } from './Emitter.js';
import type { Disposable } from './Event.js';
import { FailureTracker } from './FailureTracker.js';
import { FunctionRun } from './FunctionRun.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import type { FailureEvent, Policy, PolicyContext, SuccessEvent } from './Policy.js';
import { ADMIT, FAILED, REFUSAL, RELEASE, SUCCEEDED, stackOf, type BreakerStage, type PolicyStack } from './PolicyStack.js';

/** Payload of {@link CircuitBreakerPolicy.onStateChange}. */
export interface StateChangeEvent {
  readonly from: CircuitState;
  readonly to: CircuitState;
}

/** Payload of {@link CircuitBreakerPolicy.onBreak}: `isolated` for a manual hold, else the failure that opened it. */
export interface BreakEvent {
  readonly isolated: boolean;
  readonly error?: unknown;
}

const REJECTIONS: Partial<Record<CircuitState, string>> = {
  open: 'The circuit breaker is open',
  'half-open': 'The circuit breaker is half-open and its trial calls are in flight',
  isolated: 'The circuit breaker is isolated',
};

/**
 * Stops calling a failing dependency. Closed, it counts failures (consecutive, or a failure rate
 * over a count or time window, compared with `>=`); when they trip it opens and rejects calls with
 * `CircuitOpenError` (carrying `retryAfter`) without running them. After `recoveryTimeout` the next
 * call moves it to half-open (lazily, no timer), which admits `halfOpenMaxCalls` trial calls and
 * rejects the rest at once (`retryAfter: 0`); all trials succeeding closes it, any trial failing
 * re-opens it for a longer time when `recoveryBackoff` is set.
 *
 * Every admitted call carries the **generation** it was admitted under; outcomes from an older
 * generation (a slow call that started before a transition) never change the state.
 * Errors rejected by `isFailure` count as successes (as in Polly, cockatiel and opossum), so a
 * trial ending in one closes the breaker. A call whose caller cancelled it counts as neither.
 *
 * Events, as in cockatiel: `onStateChange`, `onBreak`, `onReset`, `onHalfOpen`, and per call
 * `onSuccess({ duration })` and `onFailure({ duration, handled, reason })` — for every call the breaker
 * admitted, however it runs (`execute`, `wrap`, `@circuitBreaker`, the `circuitBreaker` send option).
 * Calls refused while open, and calls cancelled by their caller, fire neither.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreakerPolicy({ failureThreshold: 5, recoveryTimeout: 10_000 });
 * breaker.onStateChange(({ from, to }) => log(`breaker ${from} → ${to}`));
 * breaker.onFailure(({ duration, reason }) => log(`failed after ${duration} ms`, reason.error));
 * const answer = await breaker.execute(() => callModel(prompt));
 * ```
 */
export class CircuitBreakerPolicy implements Policy, BreakerStage {
  /** @internal This policy alone, as a pipeline. */
  readonly stack: PolicyStack = stackOf({ breaker: this });
  private readonly clock: Clock;
  private readonly tracker: FailureTracker;
  private readonly recoveryTimeout: number;
  private readonly backoffFactor: number;
  private readonly backoffMax: number;
  private readonly halfOpenMaxCalls: number;
  private readonly isFailure: ((error: unknown) => boolean) | undefined;
  private current: CircuitState = 'closed';
  private generation = 0;
  private openedAt = 0;
  private openDuration: number;
  private trialsAdmitted = 0;
  private trialSuccesses = 0;
  private isolations = 0;
  private isolationEpoch = 0;
  private lastFailure: unknown;
  /** Start times of the admitted calls being timed for `onSuccess` / `onFailure` listeners (created on first use). */
  private startTimes: Map<object, number> | undefined = undefined;
  private readonly stateChangeEmitter = new Emitter<StateChangeEvent>();
  private readonly breakEmitter = new Emitter<BreakEvent>();
  private readonly resetEmitter = new Emitter<void>();
  private readonly halfOpenEmitter = new Emitter<void>();
  private readonly successEmitter = new Emitter<SuccessEvent>();
  private readonly failureEmitter = new Emitter<FailureEvent>();
  /** Fires on every state change. */
  readonly onStateChange = this.stateChangeEmitter.event;
  /** Fires when the breaker opens or is isolated. */
  readonly onBreak = this.breakEmitter.event;
  /** Fires when the breaker closes again. */
  readonly onReset = this.resetEmitter.event;
  /** Fires when the breaker moves to half-open. */
  readonly onHalfOpen = this.halfOpenEmitter.event;
  /** Fires when a call the breaker admitted succeeds, with its duration (0 for a call admitted before any `onSuccess` / `onFailure` listener existed). */
  readonly onSuccess = this.successEmitter.event;
  /**
   * Fires when a call the breaker admitted fails, with its duration and error (`reason.error`);
   * `handled` is false when `isFailure` declined the error (the breaker counted it as a success).
   */
  readonly onFailure = this.failureEmitter.event;

  /** @throws {@link ConfigurationError} on out-of-range options or an invalid `initialState`. */
  constructor(options: CircuitBreakerOptions) {
    const owner = 'CircuitBreakerPolicy';
    checkOptionsObject(owner, options, '{ failureThreshold: 5, recoveryTimeout: 10_000 }');
    this.clock = checkClock(owner, options.clock) ?? systemClock;
    this.tracker = new FailureTracker(options, this.clock);
    this.recoveryTimeout = checkOption(owner, 'recoveryTimeout', options.recoveryTimeout, { min: 0 });
    this.backoffFactor = checkOption(owner, 'recoveryBackoff.factor', options.recoveryBackoff?.factor ?? 1, { min: 1 });
    this.backoffMax = checkOption(owner, 'recoveryBackoff.max', options.recoveryBackoff?.max ?? this.recoveryTimeout, { min: this.recoveryTimeout });
    this.halfOpenMaxCalls = checkOption(owner, 'halfOpenMaxCalls', options.halfOpenMaxCalls ?? 1, { min: 1, integer: true });
    if (options.isFailure !== undefined && typeof options.isFailure !== 'function') {
      throw new ConfigurationError(`${owner}: option "isFailure" must be a function (error) => boolean.`);
    }
    this.isFailure = options.isFailure;
    this.openDuration = this.recoveryTimeout;
    if (options.initialState !== undefined) this.restore(options.initialState);
  }

  /** Creates a breaker from a {@link toJSON} snapshot and the same options it was built with. */
  static fromJSON(snapshot: unknown, options: Omit<CircuitBreakerOptions, 'initialState'>): CircuitBreakerPolicy {
    return new CircuitBreakerPolicy({ ...options, initialState: parseCircuitBreakerSnapshot(snapshot) });
  }

  /** The current state. An open breaker whose recovery time has passed still reads `'open'` until the next call. */
  get state(): CircuitState {
    return this.current;
  }

  /** Milliseconds until a call would be admitted: 0 when closed or half-open, `Infinity` when isolated. */
  get retryAfter(): number {
    if (this.current === 'isolated') return Infinity;
    if (this.current !== 'open') return 0;
    return Math.max(0, this.openDuration - (this.clock.now() - this.openedAt));
  }

  /**
   * @internal (BreakerStage) Asks to run one call: its generation token, or -1 when refused. `call`
   * stands for the call until its outcome is reported; it is timed only while outcome listeners exist.
   */
  [ADMIT](call: object): number {
    const token = this.grantToken();
    if (token >= 0 && (this.successEmitter.hasListeners || this.failureEmitter.hasListeners)) (this.startTimes ??= new Map()).set(call, this.clock.now());
    return token;
  }

  /** @internal (BreakerStage) The call admitted under `token` succeeded. */
  [SUCCEEDED](token: number, call: object): void {
    const duration = this.stopTiming(call);
    if (this.successEmitter.hasListeners) this.successEmitter.emit({ duration });
    this.countSuccess(token);
  }

  /**
   * @internal (BreakerStage) The call admitted under `token` failed with `error` (which counts only if `isFailure` says so).
   *
   * @throws {@link CallbackError} when `isFailure` throws; the failure is counted first, so the breaker moves on.
   */
  [FAILED](token: number, error: unknown, call: object): void {
    const duration = this.stopTiming(call);
    const current = token === this.generation;
    const listening = this.failureEmitter.hasListeners;
    if (!current && !listening) return; // a call from before the last transition changes nothing
    let counts = true;
    let judged: CallbackError | undefined;
    if (this.isFailure !== undefined) {
      try {
        counts = Boolean(this.isFailure(error));
      } catch (thrown) {
        judged = new CallbackError('isFailure', thrown, error);
      }
    }
    if (listening) this.failureEmitter.emit({ duration, handled: counts, reason: { error } });
    if (!current || token !== this.generation) return; // stale, or a listener moved the breaker on
    if (!counts) return this.countSuccess(token);
    this.countFailure(error);
    if (judged !== undefined) throw judged;
  }

  /** @internal (BreakerStage) The call admitted under `token` ended without an outcome (e.g. cancelled): returns a half-open trial slot. */
  [RELEASE](token: number, call: object): void {
    this.stopTiming(call);
    if (token === this.generation && this.current === 'half-open' && this.trialsAdmitted > this.trialSuccesses) this.trialsAdmitted--;
  }

  private grantToken(): number {
    if (this.current === 'closed') return this.generation;
    if (this.current === 'open') {
      if (this.openDuration - (this.clock.now() - this.openedAt) > 0) return -1;
      this.enter('half-open');
      if (this.halfOpenEmitter.hasListeners) this.halfOpenEmitter.emit();
    }
    if (this.current === 'half-open' && this.trialsAdmitted < this.halfOpenMaxCalls) {
      this.trialsAdmitted++;
      return this.generation;
    }
    return -1;
  }

  /** How long `call` ran, forgetting its start: 0 when it was not timed (admitted while no outcome listener existed). */
  private stopTiming(call: object): number {
    const starts = this.startTimes;
    if (starts === undefined || starts.size === 0) return 0;
    const started = starts.get(call);
    if (started === undefined) return 0;
    starts.delete(call);
    return this.clock.now() - started;
  }

  private countSuccess(token: number): void {
    if (token !== this.generation) return;
    if (this.current === 'closed') {
      if (this.tracker.record(false)) this.open(this.lastFailure, this.recoveryTimeout); // a window can reach minimumCalls on a success
    } else if (this.current === 'half-open' && ++this.trialSuccesses >= this.halfOpenMaxCalls) this.close();
  }

  private countFailure(error: unknown): void {
    if (this.current === 'closed') {
      this.lastFailure = error;
      if (this.tracker.record(true)) this.open(error, this.recoveryTimeout);
    } else if (this.current === 'half-open') {
      this.open(error, Math.min(this.backoffMax, this.openDuration * this.backoffFactor));
    }
  }

  /**
   * Runs `fn` if the breaker admits it, and records the outcome.
   *
   * @throws {@link CircuitOpenError} when rejected (fn is not called).
   * @throws {@link CancelledError} when `signal` is already aborted.
   * @throws whatever `fn` throws.
   */
  execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal: AbortSignal = neverAbortedSignal): Promise<T> {
    return new FunctionRun(this.stack, fn, signal, 1).run();
  }

  /**
   * Holds the breaker in `'isolated'` (rejecting every call) until every handle is disposed; the last
   * dispose closes it. Handles are reference-counted and idempotent.
   */
  isolate(): Disposable {
    if (this.isolations++ === 0) {
      this.enter('isolated');
      if (this.breakEmitter.hasListeners) this.breakEmitter.emit({ isolated: true });
    }
    const epoch = this.isolationEpoch;
    let disposed = false;
    return {
      dispose: () => {
        if (disposed || epoch !== this.isolationEpoch) return;
        disposed = true;
        if (--this.isolations === 0) this.close();
      },
    };
  }

  /**
   * @internal True when dropping this breaker loses nothing callers rely on: closed, not isolated and,
   * unless `lenient`, no failure counted (`lenient` also accepts failures below the threshold, which a
   * fresh breaker would start over from).
   */
  canForget(lenient: boolean): boolean {
    return this.current === 'closed' && (lenient || this.tracker.clean);
  }

  /** Closes the breaker, forgets its metrics and any isolation (outstanding handles become no-ops); in-flight calls no longer count. */
  reset(): void {
    this.isolationEpoch++;
    this.isolations = 0;
    this.close();
  }

  /** The breaker's state, for persisting; see {@link CircuitBreakerSnapshot}. */
  toJSON(): CircuitBreakerSnapshot {
    const base = { version: 1, openDuration: this.openDuration, ...this.tracker.snapshot() } as const;
    if (this.current === 'closed') return { ...base, state: 'closed', retryAfter: 0 };
    const retryAfter = this.current === 'isolated' ? this.openDuration : this.retryAfter;
    return { ...base, state: 'open', retryAfter };
  }

  private restore(raw: CircuitBreakerSnapshot): void {
    const snapshot = parseCircuitBreakerSnapshot(raw);
    this.tracker.restore(snapshot);
    if (snapshot.state === 'open') {
      this.openDuration = snapshot.openDuration;
      this.openedAt = this.clock.now() - Math.max(0, snapshot.openDuration - snapshot.retryAfter);
      this.current = 'open';
    }
  }

  private open(error: unknown, duration: number): void {
    this.lastFailure = error;
    this.openDuration = duration;
    this.openedAt = this.clock.now();
    this.enter('open');
    if (this.breakEmitter.hasListeners) this.breakEmitter.emit({ isolated: false, error });
  }

  private close(): void {
    const wasClosed = this.current === 'closed';
    this.tracker.reset();
    this.openDuration = this.recoveryTimeout;
    this.enter('closed');
    if (!wasClosed && this.resetEmitter.hasListeners) this.resetEmitter.emit();
  }

  /** Moves to `to`, starting a new generation so outcomes of calls admitted before are ignored. */
  private enter(to: CircuitState): void {
    const from = this.current;
    this.current = to;
    this.generation++;
    this.trialsAdmitted = 0;
    this.trialSuccesses = 0;
    if (from !== to && this.stateChangeEmitter.hasListeners) this.stateChangeEmitter.emit({ from, to });
  }

  /**
   * @internal (BreakerStage) The error for a call refused now, with `context` (message id, agent),
   * `where` naming whose breaker it is, and the failure that opened it as `cause`.
   */
  [REFUSAL](context: AgentwireErrorContext, where: string | undefined): CircuitOpenError {
    const detail = (REJECTIONS[this.current] ?? 'The circuit breaker is closed') + (where === undefined ? '' : ` (${where})`);
    return new CircuitOpenError(this.retryAfter, this.lastFailure === undefined ? context : { ...context, cause: this.lastFailure }, detail);
  }
}
