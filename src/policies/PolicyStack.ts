import type { BulkheadFullError } from '../errors/BulkheadFullError.js';
import type { AgentwireErrorContext } from '../errors/AgentwireError.js';
import type { CircuitOpenError } from '../errors/CircuitOpenError.js';
import type { TimeoutError } from '../errors/TimeoutError.js';
import type { Clock } from '../util/Clock.js';
import type { DeadlineScheduler } from '../util/DeadlineScheduler.js';
import type { PolicyContext } from './Policy.js';

/*
 * What a policy run needs from each stage of the pipeline. The policy classes implement these; the
 * run sees only these narrow views, so every way of using a policy (standalone `execute`, `wrap`,
 * handler decorators, `sendMessage` options) drives it through the same calls and fires the same
 * events.
 *
 * The low-level hooks are keyed by the symbols below, which only this package can name: a policy's
 * public surface stays cockatiel's shape (`execute`, state, and `onX` events such as the breaker's
 * `onSuccess` / `onFailure`), while the pipeline calls the hooks as ordinary (monomorphic) methods.
 */

/** @internal Breaker: asks to run one call; a generation token (>= 0), or -1 when refused. */
export const ADMIT: unique symbol = Symbol('agentwire.admit');
/** @internal Breaker, retry: the call (or run) succeeded. */
export const SUCCEEDED: unique symbol = Symbol('agentwire.succeeded');
/** @internal Breaker: the call failed. */
export const FAILED: unique symbol = Symbol('agentwire.failed');
/** @internal Breaker, bulkhead: gives back what a call held (a trial permit, a slot) without a verdict. */
export const RELEASE: unique symbol = Symbol('agentwire.release');
/** @internal Breaker, bulkhead: the error for a call turned away (and reports it). */
export const REFUSAL: unique symbol = Symbol('agentwire.refusal');
/** @internal Bulkhead: takes a slot if one is free. */
export const ENTER: unique symbol = Symbol('agentwire.enter');
/** @internal Bulkhead: queues a waiter. */
export const ENQUEUE: unique symbol = Symbol('agentwire.enqueue');
/** @internal Bulkhead: removes a waiter that gave up. */
export const LEAVE: unique symbol = Symbol('agentwire.leave');
/** @internal Retry: a retry will follow after a delay. */
export const RETRYING: unique symbol = Symbol('agentwire.retrying');
/** @internal Retry: the run stops retrying and fails. */
export const GAVE_UP: unique symbol = Symbol('agentwire.gaveUp');
/** @internal Timeout: an attempt's limit passed. */
export const TIMED_OUT: unique symbol = Symbol('agentwire.timedOut');
/** @internal Fallback: whether an error falls back. */
export const HANDLES: unique symbol = Symbol('agentwire.handles');
/** @internal Fallback: the substitute for a failure. */
export const RECOVER: unique symbol = Symbol('agentwire.recover');


/** @internal The retry stage: decides, spaces and reports retries. */
export interface RetryStage {
  readonly scheduler: DeadlineScheduler;
  readonly clock: Clock;
  /** Whether to retry after `attempt` failed with `error` (takes a budget token when true). @throws when a `retryOn` predicate throws (`CallbackError`). */
  shouldRetry(error: unknown, attempt: number): boolean;
  /** The delay before the retry that follows `attempt`. */
  delayFor(attempt: number, previousDelay: number | undefined): number;
  /** A retry is about to wait `delay` ms. */
  [RETRYING](attempt: number, delay: number, error: unknown): void;
  /** The run succeeded after `attempts` attempts. */
  [SUCCEEDED](attempts: number): void;
  /** The run stops retrying and fails with `error`. */
  [GAVE_UP](attempts: number, error: unknown): void;
}

/** @internal The bulkhead stage: execution slots and a FIFO of waiting runs. */
export interface BulkheadStage {
  /** Takes a slot if one is free. */
  [ENTER](): boolean;
  /** Queues a waiter; false when the queue is full. */
  [ENQUEUE](waiter: BulkheadWaiter): boolean;
  /** Frees a slot (or hands it to the first waiter). */
  [RELEASE](): void;
  /** Removes a waiter that gave up. */
  [LEAVE](waiter: BulkheadWaiter): void;
  /** The error for a call turned away (and reports it). */
  [REFUSAL](context: AgentwireErrorContext): BulkheadFullError;
}

/** @internal A run waiting in a bulkhead's queue. */
export interface BulkheadWaiter {
  /** Called when a freed slot is handed to this waiter (the slot is already counted as taken). */
  grant(): void;
}

/** @internal The circuit-breaker stage: admission and outcomes, by generation token. */
export interface BreakerStage {
  /**
   * A token (>= 0) when the call is admitted, -1 when refused. `call` stands for the call until its
   * outcome is reported with the same object (the breaker times it only when outcome listeners
   * need the duration). Allocates nothing otherwise.
   */
  [ADMIT](call: object): number;
  /** The call admitted under `token` succeeded. */
  [SUCCEEDED](token: number, call: object): void;
  /** The call failed with `error`. @throws when the breaker's own judgement of `error` fails (`CallbackError`), after counting it. */
  [FAILED](token: number, error: unknown, call: object): void;
  /** The call ended with no verdict on the dependency (cancelled, stopped, abandoned). */
  [RELEASE](token: number, call: object): void;
  /** The error for a refused call; `where` says whose breaker it is. */
  [REFUSAL](context: AgentwireErrorContext, where: string | undefined): CircuitOpenError;
}

/** @internal The timeout stage: the limit of each attempt. */
export interface TimeoutStage {
  readonly scheduler: DeadlineScheduler;
  readonly clock: Clock;
  /** True when successes feed the limit (their duration must be measured). */
  readonly adapts: boolean;
  currentLimit(): number;
  /** An attempt finished in time, after `durationMs` (feeds an adaptive limit). */
  recordSuccess(durationMs: number): void;
  /** An attempt timed out (records it and notifies `onTimeout` listeners). */
  [TIMED_OUT](error: TimeoutError): void;
}

/** @internal The fallback stage: a substitute for a final failure. */
export interface FallbackStage {
  /** True when `error` falls back. @throws when the filter itself throws (`CallbackError`). */
  [HANDLES](error: unknown): boolean;
  /** The substitute for a call that failed with `error`: a value, or a promise of one (or a throw). */
  [RECOVER](error: unknown, ctx: PolicyContext): unknown;
}

/**
 * @internal Policies composed in agentwire's canonical order — fallback → retry → bulkhead →
 * circuit breaker → timeout (per attempt) → the attempt — whatever order they were declared in.
 * Built once (per policy, per `wrap`, per decorated handler, per recipient of per-call options) and
 * run many times by {@link PolicyRun}.
 */
export interface PolicyStack {
  readonly fallback: FallbackStage | undefined;
  readonly retry: RetryStage | undefined;
  readonly bulkhead: BulkheadStage | undefined;
  readonly breaker: BreakerStage | undefined;
  readonly timeout: TimeoutStage | undefined;
}

/** @internal A stack with only the given stages. */
export function stackOf(stages: Partial<PolicyStack>): PolicyStack {
  return {
    fallback: stages.fallback,
    retry: stages.retry,
    bulkhead: stages.bulkhead,
    breaker: stages.breaker,
    timeout: stages.timeout,
  };
}
