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
 */

/** @internal The retry stage: decides, spaces and reports retries. */
export interface RetryStage {
  readonly scheduler: DeadlineScheduler;
  readonly clock: Clock;
  /** Whether to retry after `attempt` failed with `error` (takes a budget token when true). @throws when a `retryOn` predicate throws (`CallbackError`). */
  shouldRetry(error: unknown, attempt: number): boolean;
  /** The delay before the retry that follows `attempt`. */
  delayFor(attempt: number, previousDelay: number | undefined): number;
  /** A retry is about to wait `delay` ms. */
  retrying(attempt: number, delay: number, error: unknown): void;
  /** The run succeeded after `attempts` attempts. */
  recordSuccess(attempts: number): void;
  /** The run stops retrying and fails with `error`. */
  gaveUp(attempts: number, error: unknown): void;
}

/** @internal The bulkhead stage: execution slots and a FIFO of waiting runs. */
export interface BulkheadStage {
  /** Takes a slot if one is free. */
  tryEnter(): boolean;
  /** Queues a waiter; false when the queue is full. */
  enqueue(waiter: BulkheadWaiter): boolean;
  /** Frees a slot (or hands it to the first waiter). */
  release(): void;
  /** Removes a waiter that gave up. */
  leave(waiter: BulkheadWaiter): void;
  /** The error for a call turned away (and reports it). */
  rejection(context: AgentwireErrorContext): BulkheadFullError;
}

/** @internal A run waiting in a bulkhead's queue. */
export interface BulkheadWaiter {
  /** Called when a freed slot is handed to this waiter (the slot is already counted as taken). */
  grant(): void;
}

/** @internal The circuit-breaker stage: admission and outcomes, by generation token. */
export interface BreakerStage {
  /** A token (>= 0) when the call is admitted, -1 when refused. */
  tryAdmit(): number;
  onSuccess(token: number): void;
  /** @throws when the breaker's own judgement of `error` fails (`CallbackError`), after counting it. */
  onFailure(token: number, error: unknown): void;
  /** The call ended with no verdict on the dependency (cancelled, stopped, abandoned). */
  release(token: number): void;
  /** The error for a refused call; `where` says whose breaker it is. */
  rejection(context: AgentwireErrorContext, where: string | undefined): CircuitOpenError;
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
  timedOut(error: TimeoutError): void;
}

/** @internal The fallback stage: a substitute for a final failure. */
export interface FallbackStage {
  /** @throws when the filter itself throws (`CallbackError`). */
  handles(error: unknown): boolean;
  recover(error: unknown, ctx: PolicyContext): unknown;
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
