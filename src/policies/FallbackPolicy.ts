import { CallbackError } from '../errors/CallbackError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { FunctionRun } from './FunctionRun.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import type { Policy, PolicyContext } from './Policy.js';
import { HANDLES, RECOVER, stackOf, type FallbackStage, type PolicyStack } from './PolicyStack.js';

/** Options of a {@link FallbackPolicy}. */
export interface FallbackOptions<R> {
  /** The value to resolve with instead of failing, or a function of the error (and the context) that produces it. */
  readonly fallback: R | ((error: unknown, ctx: PolicyContext) => PromiseLike<R> | R);
  /** Which errors fall back; others are rethrown unchanged. Default: every error. */
  readonly handle?: (error: unknown) => boolean;
}

/**
 * Replaces a failure with a default: when `fn` throws an error that `handle` accepts, resolves with
 * the fallback value (or the result of calling the fallback function with the error). A fallback
 * function that throws rejects with its own error. A call whose caller aborted `signal` never falls
 * back: its error is rethrown, since nobody waits for a substitute. To fall back to a function *value*, wrap it:
 * `fallback: () => myFunction`.
 *
 * @example
 * ```ts
 * const cached = new FallbackPolicy({ fallback: (error) => cache.get(key), handle: (e) => e instanceof TimeoutError });
 * const quote = await cached.execute(() => fetchQuote(key));
 * ```
 */
export class FallbackPolicy<R> implements Policy<R>, FallbackStage {
  /** @internal This policy alone, as a pipeline. */
  readonly stack: PolicyStack = stackOf({ fallback: this });
  private readonly fallback: FallbackOptions<R>['fallback'];
  private readonly handle: ((error: unknown) => boolean) | undefined;

  /** @throws {@link ConfigurationError} when `options` has no `fallback` or `handle` is not a function. */
  constructor(options: FallbackOptions<R>) {
    if (typeof options !== 'object' || options === null || !('fallback' in options)) {
      throw new ConfigurationError('FallbackPolicy needs { fallback }: a value, or a function (error, ctx) => value.');
    }
    if (options.handle !== undefined && typeof options.handle !== 'function') {
      throw new ConfigurationError('FallbackPolicy: option "handle" must be a function (error) => boolean.');
    }
    this.fallback = options.fallback;
    this.handle = options.handle;
  }

  /**
   * Runs `fn`; on a handled failure resolves with the fallback instead.
   *
   * @throws errors that `handle` rejects (or any error once `signal` aborted), unchanged, and whatever a fallback function throws.
   */
  execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal: AbortSignal = neverAbortedSignal): Promise<T | R> {
    return new FunctionRun<T | R>(this.stack, fn, signal, 1).run();
  }

  /** @internal (FallbackStage) True when `error` falls back (the `handle` filter accepts it). @throws {@link CallbackError} when `handle` throws. */
  [HANDLES](error: unknown): boolean {
    if (this.handle === undefined) return true;
    try {
      return Boolean(this.handle(error));
    } catch (thrown) {
      throw new CallbackError('handle', thrown, error);
    }
  }

  /** @internal (FallbackStage) The substitute for a call that failed with `error`: the value, or what the fallback function returns (or throws). */
  [RECOVER](error: unknown, ctx: PolicyContext): R | PromiseLike<R> {
    const fallback = this.fallback;
    return typeof fallback === 'function' ? (fallback as (error: unknown, ctx: PolicyContext) => PromiseLike<R> | R)(error, ctx) : fallback;
  }
}
