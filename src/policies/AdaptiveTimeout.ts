import { ConfigurationError } from '../errors/ConfigurationError.js';
import { checkOption } from './checkOption.js';

/** Options of an adaptive timeout: the limit follows observed durations. All durations in ms. */
export interface AdaptiveTimeoutOptions {
  /** The limit before any duration has been observed. */
  readonly initial: number;
  /** Lower bound of the limit. Default 1. */
  readonly min?: number;
  /** Upper bound of the limit. Default 60 000. */
  readonly max?: number;
  /** The limit is `multiplier ×` the moving average of recent durations. Default 2. */
  readonly multiplier?: number;
  /** How many recent durations the moving average covers. Default 20. */
  readonly window?: number;
  /** Each timeout multiplies the limit by this. Default 1.5. */
  readonly growth?: number;
}

/**
 * The state machine behind an adaptive {@link TimeoutPolicy}: a moving average over a bounded ring
 * of samples (O(1) per sample, fixed memory). A success sets the limit to
 * `clamp(multiplier × average)`. A timeout records the limit itself as a sample (the call took at
 * least that long) and sets the limit to `clamp(limit × growth)`, so repeated timeouts raise it
 * quickly and later fast calls bring it back down.
 *
 * @example
 * ```ts
 * const adaptive = new AdaptiveTimeout({ initial: 2_000, min: 500, max: 30_000 });
 * adaptive.recordSuccess(300); // limit becomes 600
 * ```
 */
export class AdaptiveTimeout {
  /** Lower bound of the limit. */
  readonly min: number;
  /** Upper bound of the limit. */
  readonly max: number;
  private readonly multiplier: number;
  private readonly growth: number;
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;
  private sum = 0;
  private limit: number;

  /** @throws {@link ConfigurationError} on out-of-range options or `initial` outside [min, max]. */
  constructor(options: AdaptiveTimeoutOptions) {
    const owner = 'TimeoutPolicy (adaptive)';
    this.min = checkOption(owner, 'min', options.min ?? 1, { min: 0 });
    this.max = checkOption(owner, 'max', options.max ?? 60_000, { min: Math.max(this.min, 1) });
    this.limit = checkOption(owner, 'initial', options.initial, { min: 1 });
    if (this.limit < this.min || this.limit > this.max) {
      throw new ConfigurationError(`${owner}: "initial" (${this.limit}) must lie between "min" (${this.min}) and "max" (${this.max}). Adjust one of them.`);
    }
    this.multiplier = checkOption(owner, 'multiplier', options.multiplier ?? 2, { min: 1 });
    this.growth = checkOption(owner, 'growth', options.growth ?? 1.5, { min: 1 });
    this.samples = new Float64Array(checkOption(owner, 'window', options.window ?? 20, { min: 1, max: 10_000, integer: true }));
  }

  /** The limit in force now, in ms. */
  get current(): number {
    return this.limit;
  }

  /** The moving average of the recorded durations (NaN before the first). */
  get average(): number {
    return this.sum / this.count;
  }

  /** Records a call that finished in `durationMs` and recomputes the limit. */
  recordSuccess(durationMs: number): void {
    this.push(Math.max(0, durationMs));
    this.limit = this.clamp(this.multiplier * this.average);
  }

  /** Records a call that hit the limit and grows the limit. */
  recordTimeout(): void {
    this.push(this.limit);
    this.limit = this.clamp(this.limit * this.growth);
  }

  private push(value: number): void {
    if (this.count === this.samples.length) this.sum -= this.samples[this.next];
    else this.count++;
    this.samples[this.next] = value;
    this.sum += value;
    this.next = (this.next + 1) % this.samples.length;
    if (this.next === 0) this.sum = this.samples.reduce((a, b) => a + b, 0); // no float drift
  }

  private clamp(value: number): number {
    return Math.min(this.max, Math.max(this.min, value));
  }
}
