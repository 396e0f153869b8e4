import { BulkheadFullError } from '../errors/BulkheadFullError.js';
import { checkOption } from './checkOption.js';
import { Emitter } from './Emitter.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import type { Policy, PolicyContext } from './Policy.js';
import { toCancelledError } from './toCancelledError.js';

/** Options of a {@link BulkheadPolicy}. */
export interface BulkheadOptions {
  /** How many calls run at once. */
  readonly maxConcurrent: number;
  /** How many calls may wait (FIFO) for a slot. Default 0: reject at once when all slots are busy. */
  readonly maxQueued?: number;
}

interface Waiter {
  readonly start: () => void;
  readonly onAbort: () => void;
}

/**
 * Caps concurrency: at most `maxConcurrent` calls run, up to `maxQueued` more wait in FIFO order,
 * and any further call rejects at once with `BulkheadFullError` without running. A waiter whose
 * signal aborts leaves the queue at once (rejecting with `CancelledError`) and frees its queue slot.
 *
 * @example
 * ```ts
 * const bulkhead = new BulkheadPolicy({ maxConcurrent: 4, maxQueued: 16 });
 * const page = await bulkhead.execute(({ signal }) => crawl(url, signal));
 * ```
 */
export class BulkheadPolicy implements Policy {
  /** How many calls run at once. */
  readonly maxConcurrent: number;
  /** How many calls may wait. */
  readonly maxQueued: number;
  private running = 0;
  private readonly queue: Waiter[] = [];
  private readonly rejectEmitter = new Emitter<BulkheadFullError>();
  /** Fires with the error each time a call is rejected because the bulkhead is full. */
  readonly onReject = this.rejectEmitter.event;

  /** @throws {@link ConfigurationError} on out-of-range options. */
  constructor(options: BulkheadOptions) {
    this.maxConcurrent = checkOption('BulkheadPolicy', 'maxConcurrent', options.maxConcurrent, { min: 1, integer: true });
    this.maxQueued = checkOption('BulkheadPolicy', 'maxQueued', options.maxQueued ?? 0, { min: 0, integer: true });
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
  async execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal: AbortSignal = neverAbortedSignal): Promise<T> {
    if (signal.aborted) throw toCancelledError(signal);
    if (this.running < this.maxConcurrent) this.running++;
    else await this.waitForSlot(signal); // the slot is handed over, still counted in `running`
    try {
      return await fn({ signal, attempt: 1 });
    } finally {
      this.release();
    }
  }

  /** Hands the freed slot to the first waiter, or frees it. */
  private release(): void {
    const next = this.queue.shift();
    if (next) next.start();
    else this.running--;
  }

  private waitForSlot(signal: AbortSignal): Promise<void> {
    if (this.queue.length >= this.maxQueued) {
      const error = new BulkheadFullError(this.maxConcurrent, this.maxQueued);
      if (this.rejectEmitter.hasListeners) this.rejectEmitter.emit(error);
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal.removeEventListener('abort', waiter.onAbort);
          resolve();
        },
        onAbort: () => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          reject(toCancelledError(signal));
        },
      };
      this.queue.push(waiter);
      if (signal !== neverAbortedSignal) signal.addEventListener('abort', waiter.onAbort, { once: true });
    });
  }
}
