import { ConfigurationError } from '../errors/ConfigurationError.js';
import { systemClock, type Clock } from '../util/Clock.js';
import { checkOption } from './checkOption.js';

/** Options of a {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Bucket size: the most retries that can happen in a burst. Default 10. */
  readonly maxTokens?: number;
  /** Tokens added per second of clock time (a floor of retries per second). Default 0. */
  readonly refillPerSecond?: number;
  /** Tokens added by each successful call, i.e. allowed retries per success. Default 0.1 (one retry per ten successes). */
  readonly ratio?: number;
  /** Time source for `refillPerSecond`. Default: the system clock. */
  readonly clock?: Clock;
}

/**
 * A token bucket shared by many {@link RetryPolicy} instances so that a fleet of callers cannot
 * multiply the load on a failing dependency (the AWS SDK "retry quota", Finagle's retry budget).
 * Each retry takes one token; tokens come back with successes (`ratio`) and with time
 * (`refillPerSecond`). The bucket starts full. When it is empty, retries stop and calls fail fast.
 *
 * @example
 * ```ts
 * const budget = new RetryBudget({ maxTokens: 20, ratio: 0.2 });
 * const a = new RetryPolicy({ budget });
 * const b = new RetryPolicy({ budget }); // a and b draw from the same bucket
 * ```
 */
export class RetryBudget {
  /** Bucket size. */
  readonly maxTokens: number;
  /** Tokens added per second. */
  readonly refillPerSecond: number;
  /** Tokens added per success. */
  readonly ratio: number;
  private readonly clock: Clock;
  private tokens: number;
  private refilledAt: number;

  /** @throws {@link ConfigurationError} on out-of-range options or when nothing ever refills the bucket. */
  constructor(options: RetryBudgetOptions = {}) {
    this.maxTokens = checkOption('RetryBudget', 'maxTokens', options.maxTokens ?? 10, { min: 1 });
    this.refillPerSecond = checkOption('RetryBudget', 'refillPerSecond', options.refillPerSecond ?? 0, { min: 0 });
    this.ratio = checkOption('RetryBudget', 'ratio', options.ratio ?? 0.1, { min: 0 });
    if (this.refillPerSecond === 0 && this.ratio === 0) {
      throw new ConfigurationError('RetryBudget: with refillPerSecond and ratio both 0 the budget never refills. Set one of them above 0.');
    }
    this.clock = options.clock ?? systemClock;
    this.tokens = this.maxTokens;
    this.refilledAt = this.clock.now();
  }

  /** Tokens available now (fractional). */
  get available(): number {
    this.refill();
    return this.tokens;
  }

  /** Takes one token for a retry; false (and nothing taken) when fewer than one is left. */
  tryAcquire(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Records a successful call: returns `ratio` tokens to the bucket. */
  recordSuccess(): void {
    this.tokens = Math.min(this.maxTokens, this.tokens + this.ratio);
  }

  private refill(): void {
    if (this.refillPerSecond === 0) return;
    const now = this.clock.now();
    this.tokens = Math.min(this.maxTokens, this.tokens + ((now - this.refilledAt) / 1000) * this.refillPerSecond);
    this.refilledAt = now;
  }
}
