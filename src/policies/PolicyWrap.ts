import { neverAbortedSignal } from './neverAbortedSignal.js';
import type { Policy, PolicyContext } from './Policy.js';
import { RetryPolicy } from './RetryPolicy.js';

/**
 * Several policies acting as one, outermost first; create it with {@link wrap}. The context `fn`
 * sees has the innermost policy's `signal` and the `attempt` of the innermost {@link RetryPolicy}
 * (1 without one).
 *
 * @example
 * ```ts
 * const resilient: PolicyWrap<never> = wrap(new RetryPolicy(), new TimeoutPolicy(1_000));
 * ```
 */
export class PolicyWrap<Alt = never> implements Policy<Alt> {
  /** Phantom: carries `Alt` so nested wraps keep their fallback type. */
  declare private readonly alt?: Alt;

  /** @param policies the policies, outermost first. */
  constructor(readonly policies: readonly Policy<unknown>[]) {}

  /** Runs `fn` through every policy, outermost first. */
  async execute<T>(fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T | Alt> {
    return (await this.run(0, fn, signal ?? neverAbortedSignal, 1)) as T | Alt;
  }

  private run<T>(index: number, fn: (ctx: PolicyContext) => PromiseLike<T> | T, signal: AbortSignal, attempt: number): PromiseLike<unknown> | T {
    const policy = this.policies[index];
    if (policy === undefined) return fn({ signal, attempt });
    const isRetry = policy instanceof RetryPolicy;
    if (index === this.policies.length - 1) {
      // Hand the innermost context on without reading its signal, which a TimeoutPolicy creates lazily.
      return policy.execute((ctx) => fn(isRetry || ctx.attempt === attempt ? ctx : new ForwardingContext(ctx, attempt)), signal);
    }
    return policy.execute((ctx) => this.run(index + 1, fn, ctx.signal, isRetry ? ctx.attempt : attempt), signal);
  }
}

/** A context whose `signal` is read from another one only when asked for. */
class ForwardingContext implements PolicyContext {
  constructor(
    private readonly inner: PolicyContext,
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    return this.inner.signal;
  }
}
