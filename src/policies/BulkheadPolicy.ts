import type { AgentwireErrorContext } from '../errors/AgentwireError.js';
import { BulkheadFullError } from '../errors/BulkheadFullError.js';
import { checkOption, checkOptionsObject } from './checkOption.js';
import { Emitter } from './Emitter.js';
import { FunctionRun } from './FunctionRun.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import type { Policy, PolicyContext } from './Policy.js';
import { ENQUEUE, ENTER, LEAVE, REFUSAL, RELEASE, stackOf, type BulkheadStage, type BulkheadWaiter, type PolicyStack } from './PolicyStack.js';

/** Options of a {@link BulkheadPolicy}. */
export interface BulkheadOptions {
  /** How many calls run at once. */
  readonly maxConcurrent: number;
  /** How many calls may wait (FIFO) for a slot. Default 0: reject at once when all slots are busy. */
  readonly maxQueued?: number;
}

/**
 * Caps concurrency: at most `maxConcurrent` calls run, up to `maxQueued` more wait in FIFO order,
 * and any further call rejects at once with `BulkheadFullError` without running. A waiter whose
 * signal aborts leaves the queue at once (rejecting with `CancelledError`) and frees its queue slot.
 * With retries around it (`wrap`, `@retry`, the `retry` send option) each attempt takes a slot.
 *
 * @example
 * ```ts
 * const bulkhead = new BulkheadPolicy({ maxConcurrent: 4, maxQueued: 16 });
 * const page = await bulkhead.execute(({ signal }) => crawl(url, signal));
 * ```
 */
export class BulkheadPolicy implements Policy, BulkheadStage {
  /** How many calls run at once. */
  readonly maxConcurrent: number;
  /** How many calls may wait. */
  readonly maxQueued: number;
  /** @internal This policy alone, as a pipeline. */
  readonly stack: PolicyStack = stackOf({ bulkhead: this });
  private running = 0;
  private readonly queue: BulkheadWaiter[] = [];
  private readonly rejectEmitter = new Emitter<BulkheadFullError>();
  /** Fires with the error each time a call is rejected because the bulkhead is full. */
  readonly onReject = this.rejectEmitter.event;

  /** @throws {@link ConfigurationError} on out-of-range options. */
  constructor(options: BulkheadOptions) {
    checkOptionsObject('BulkheadPolicy', options, '{ maxConcurrent: 4 }');
    this.maxConcurrent = checkOption('BulkheadPolicy', 'maxConcurrent', options?.maxConcurrent, { min: 1, integer: true });
    this.maxQueued = checkOption('BulkheadPolicy', 'maxQueued', options?.maxQueued ?? 0, { min: 0, integer: true });
  }

  /** Calls running now. */
  get active(): number {
    return this.running;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Runs `fn` when a slot is free.
   *
   * @throws {@link BulkheadFullError} when no execution or queue slot is free.
   * @throws {@link CancelledError} when `signal` aborts before `fn` starts.
   */
  execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal: AbortSignal = neverAbortedSignal): Promise<T> {
    return new FunctionRun(this.stack, fn, signal, 1).run();
  }

  /** @internal (BulkheadStage) Takes a slot if one is free. */
  [ENTER](): boolean {
    if (this.running >= this.maxConcurrent) return false;
    this.running++;
    return true;
  }

  /** @internal (BulkheadStage) Queues a waiter for the next free slot; false when the queue is full. */
  [ENQUEUE](waiter: BulkheadWaiter): boolean {
    if (this.queue.length >= this.maxQueued) return false;
    this.queue.push(waiter);
    return true;
  }

  /** @internal (BulkheadStage) Frees a slot, handing it straight to the first waiter if there is one. */
  [RELEASE](): void {
    const next = this.queue.shift();
    if (next === undefined) this.running--;
    else next.grant(); // the slot stays counted in `running`
  }

  /** @internal (BulkheadStage) Removes a waiter that gave up. */
  [LEAVE](waiter: BulkheadWaiter): void {
    const index = this.queue.indexOf(waiter);
    if (index >= 0) this.queue.splice(index, 1);
  }

  /** @internal (BulkheadStage) The error for a call turned away; fires `onReject`. */
  [REFUSAL](context: AgentwireErrorContext): BulkheadFullError {
    const error = new BulkheadFullError(this.maxConcurrent, this.maxQueued, context);
    if (this.rejectEmitter.hasListeners) this.rejectEmitter.emit(error);
    return error;
  }
}
