import { BulkheadPolicy } from './BulkheadPolicy.js';
import { CircuitBreakerPolicy } from './CircuitBreakerPolicy.js';
import { FallbackPolicy } from './FallbackPolicy.js';
import { FunctionRun } from './FunctionRun.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import type { Policy, PolicyContext } from './Policy.js';
import { stackOf, type PolicyStack } from './PolicyStack.js';
import { RetryPolicy } from './RetryPolicy.js';
import { TimeoutPolicy } from './TimeoutPolicy.js';

type Fn<T> = (ctx: PolicyContext) => PromiseLike<T> | T;

/** One link of a wrap: agentwire policies in canonical order, run as one pipeline, or any other policy. */
type Segment = { readonly stack: PolicyStack } | { readonly policy: Policy<unknown> };

/** The stage each agentwire policy fills, in canonical order (outermost first). */
const STAGES = ['fallback', 'retry', 'bulkhead', 'breaker', 'timeout'] as const;

function stageOf(policy: Policy<unknown>): number {
  if (policy instanceof FallbackPolicy) return 0;
  if (policy instanceof RetryPolicy) return 1;
  if (policy instanceof BulkheadPolicy) return 2;
  if (policy instanceof CircuitBreakerPolicy) return 3;
  if (policy instanceof TimeoutPolicy) return 4;
  return -1;
}

/**
 * Several policies acting as one, outermost first; create it with {@link wrap}. agentwire policies
 * written in the canonical order (fallback → retry → bulkhead → circuit breaker → timeout) run as ONE
 * pipeline run (the same one decorators and `sendMessage` options use); any other order or policy
 * nests as written. The context `fn` sees has the innermost policy's `signal` and the `attempt` of
 * the innermost {@link RetryPolicy} (1 without one).
 *
 * @example
 * ```ts
 * const resilient: PolicyWrap<never> = wrap(new RetryPolicy(), new TimeoutPolicy(1_000));
 * ```
 */
export class PolicyWrap<Alt = never> implements Policy<Alt> {
  /** Phantom: carries `Alt` so nested wraps keep their fallback type. */
  declare private readonly alt?: Alt;
  private readonly segments: readonly Segment[];

  /** @param policies the policies, outermost first. */
  constructor(readonly policies: readonly Policy<unknown>[]) {
    this.segments = segment(policies);
  }

  /** Runs `fn` through every policy, outermost first. */
  execute<T>(fn: Fn<T>, signal: AbortSignal = neverAbortedSignal): Promise<T | Alt> {
    return Promise.resolve(this.run(0, fn, signal, 1)) as Promise<T | Alt>;
  }

  private run<T>(index: number, fn: Fn<T>, signal: AbortSignal, attempt: number): PromiseLike<unknown> | T {
    const segment = this.segments[index];
    if (segment === undefined) return fn({ signal, attempt });
    const last = index === this.segments.length - 1;
    if ('stack' in segment) {
      const counts = segment.stack.retry !== undefined;
      const inner: Fn<unknown> = last ? fn : (ctx) => this.run(index + 1, fn, ctx.signal, counts ? ctx.attempt : attempt);
      return new FunctionRun(segment.stack, inner, signal, attempt).run();
    }
    if (last) return segment.policy.execute((ctx) => fn(ctx.attempt === attempt ? ctx : { signal: ctx.signal, attempt }), signal);
    return segment.policy.execute((ctx) => this.run(index + 1, fn, ctx.signal, attempt), signal);
  }
}

/** Groups consecutive agentwire policies that follow the canonical order into one stack each. */
function segment(policies: readonly Policy<unknown>[]): Segment[] {
  const segments: Segment[] = [];
  let parts: Record<string, unknown> | undefined;
  let lastStage = -1;
  const close = (): void => {
    if (parts !== undefined) segments.push({ stack: stackOf(parts) });
    parts = undefined;
    lastStage = -1;
  };
  for (const policy of policies) {
    const stage = stageOf(policy);
    if (stage < 0) {
      close();
      segments.push({ policy });
      continue;
    }
    if (stage <= lastStage) close();
    (parts ??= {})[STAGES[stage]!] = policy;
    lastStage = stage;
  }
  close();
  return segments;
}
