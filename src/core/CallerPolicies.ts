import { BulkheadPolicy, type BulkheadOptions } from '../policies/BulkheadPolicy.js';
import type { CircuitBreakerOptions, CircuitState } from '../policies/CircuitBreakerOptions.js';
import { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import { stackOf, type FallbackStage, type PolicyStack } from '../policies/PolicyStack.js';
import type { RetryOptions } from '../policies/RetryOptions.js';
import { RetryPolicy } from '../policies/RetryPolicy.js';
import { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import type { Clock } from '../util/Clock.js';
import { ForgettingSet } from '../util/ForgettingSet.js';
import type { AgentId } from './AgentId.js';
import type { SendOptions } from './SendOptions.js';

/** @internal What a runtime lends the policies made from `sendMessage` options. */
export interface CallerPolicyEnvironment {
  readonly clock: Clock;
  /** Randomness for retry jitter. */
  readonly random: () => number;
  /** The stage that answers a final failure with the `fallback` send option (it sends, so the runtime provides it). */
  readonly fallback: FallbackStage;
  /** The most recipients whose policies are kept; past it, the oldest at rest are forgotten. */
  readonly capacity: number;
  /** A caller-side breaker changed state. */
  breakerChanged(recipient: AgentId, from: CircuitState, to: CircuitState): void;
  /** The policies kept for `policies.recipient` were forgotten (drop any cached reference). */
  forgotten(policies: RecipientPolicies): void;
}

/** @internal The caller-side policies kept for one recipient (a runtime may cache it beside the recipient). */
export class RecipientPolicies {
  constructor(readonly recipient: AgentId) {}

  retryOptions: RetryOptions | undefined = undefined;
  retry: RetryPolicy | undefined = undefined;
  fixedMs = 0;
  fixed: TimeoutPolicy | undefined = undefined;
  adaptive: TimeoutPolicy | undefined = undefined;
  breaker: CircuitBreakerPolicy | undefined = undefined;
  bulkhead: BulkheadPolicy | undefined = undefined;
  stack: PolicyStack | undefined = undefined;
}

/**
 * @internal The policies a runtime builds from `sendMessage` options, per recipient: the stack a
 * request runs through on the caller side. Option literals are compared by value with the ones the
 * policies were built from, so a fresh `{ retry: { maxRetries: 3 } }` on every call reuses one
 * `RetryPolicy`; breakers, bulkheads and adaptive timeouts made from options are the recipient's
 * own, created from the first options seen; policy instances are used as given. At most
 * `env.capacity` recipients are kept: past it the oldest whose state is at rest (closed breaker,
 * idle bulkhead) are forgotten, and start afresh when used again.
 */
export class CallerPolicies {
  private readonly byType = new Map<string, Map<string, RecipientPolicies>>();
  private readonly kept: ForgettingSet<RecipientPolicies>;

  constructor(private readonly env: CallerPolicyEnvironment) {
    this.kept = new ForgettingSet(env.capacity, canForget, (own) => this.forget(own));
  }

  /** Recipients whose policies are kept now. */
  get size(): number {
    return this.kept.size;
  }

  /** The policies kept for `recipient` (created on first use). */
  recipientOf(recipient: AgentId): RecipientPolicies {
    return this.recipient(recipient, true)!;
  }

  /**
   * The caller-side stack for a request to `recipient` with these options (`own`: its
   * {@link recipientOf}, when the caller has it at hand). @throws `ConfigurationError` on bad options.
   */
  stackFor(recipient: AgentId, options: SendOptions, own: RecipientPolicies = this.recipientOf(recipient)): PolicyStack {
    const retry = this.retryOf(own, options.retry);
    const timeout = this.timeoutOf(own, options.timeout);
    const breaker = this.breakerOf(own, recipient, options.circuitBreaker);
    const bulkhead = this.bulkheadOf(own, options.bulkhead);
    const fallback = options.fallback === undefined ? undefined : this.env.fallback;
    const s = own.stack;
    if (s !== undefined && s.retry === retry && s.timeout === timeout && s.breaker === breaker && s.bulkhead === bulkhead && s.fallback === fallback) return s;
    return (own.stack = stackOf({ fallback, retry, bulkhead, breaker, timeout }));
  }

  /** The breaker kept for `recipient` (made from `circuitBreaker` options), if any. */
  breakerFor(recipient: AgentId): CircuitBreakerPolicy | undefined {
    return this.recipient(recipient, false)?.breaker;
  }

  /** Every breaker kept, with its recipient. */
  *breakers(): IterableIterator<{ readonly recipient: AgentId; readonly breaker: CircuitBreakerPolicy }> {
    for (const keys of this.byType.values()) for (const own of keys.values()) if (own.breaker !== undefined) yield { recipient: own.recipient, breaker: own.breaker };
  }

  /** The adaptive timeout kept for `recipient` (made from `timeout: { adaptive }`), if any. */
  adaptiveTimeoutFor(recipient: AgentId): TimeoutPolicy | undefined {
    return this.recipient(recipient, false)?.adaptive;
  }

  private recipient(id: AgentId, create: boolean): RecipientPolicies | undefined {
    let keys = this.byType.get(id.type);
    if (keys === undefined) {
      if (!create) return undefined;
      this.byType.set(id.type, (keys = new Map()));
    }
    let own = keys.get(id.key);
    if (own === undefined && create) {
      keys.set(id.key, (own = new RecipientPolicies(id)));
      this.kept.add(own);
    }
    return own;
  }

  private forget(own: RecipientPolicies): void {
    const keys = this.byType.get(own.recipient.type);
    keys?.delete(own.recipient.key);
    if (keys?.size === 0) this.byType.delete(own.recipient.type);
    this.env.forgotten(own);
  }

  private retryOf(own: RecipientPolicies, retry: SendOptions['retry']): RetryPolicy | undefined {
    if (retry === undefined || retry instanceof RetryPolicy) return retry;
    if (own.retryOptions !== undefined && sameRetryOptions(own.retryOptions, retry)) return own.retry;
    own.retry = new RetryPolicy({ clock: this.env.clock, random: this.env.random, ...retry });
    own.retryOptions = { ...retry };
    return own.retry;
  }

  private timeoutOf(own: RecipientPolicies, timeout: SendOptions['timeout']): TimeoutPolicy | undefined {
    if (timeout === undefined || timeout instanceof TimeoutPolicy) return timeout;
    if (typeof timeout === 'object' && timeout !== null && 'adaptive' in timeout) {
      return (own.adaptive ??= new TimeoutPolicy(timeout, { clock: this.env.clock }));
    }
    const ms = typeof timeout === 'number' ? timeout : timeout.ms;
    if (own.fixed === undefined || own.fixedMs !== ms) {
      own.fixed = new TimeoutPolicy(ms, { clock: this.env.clock });
      own.fixedMs = ms;
    }
    return own.fixed;
  }

  private breakerOf(own: RecipientPolicies, recipient: AgentId, breaker: SendOptions['circuitBreaker']): CircuitBreakerPolicy | undefined {
    if (breaker === undefined || breaker instanceof CircuitBreakerPolicy) return breaker;
    return (own.breaker ??= this.newBreaker(recipient, breaker));
  }

  private bulkheadOf(own: RecipientPolicies, bulkhead: SendOptions['bulkhead']): BulkheadPolicy | undefined {
    if (bulkhead === undefined || bulkhead instanceof BulkheadPolicy) return bulkhead;
    return (own.bulkhead ??= new BulkheadPolicy(bulkhead as BulkheadOptions));
  }

  private newBreaker(recipient: AgentId, options: CircuitBreakerOptions): CircuitBreakerPolicy {
    const breaker = new CircuitBreakerPolicy({ clock: this.env.clock, ...options });
    breaker.onStateChange(({ from, to }) => this.env.breakerChanged(recipient, from, to));
    return breaker;
  }
}

/**
 * True when forgetting `own` loses nothing callers rely on: its breaker is closed (with no failure
 * counted unless `lenient`), its bulkhead idle, and (unless `lenient`) it has no adaptive timeout
 * whose learning would start over.
 */
function canForget(own: RecipientPolicies, lenient: boolean): boolean {
  const { breaker, bulkhead } = own;
  if (breaker !== undefined && !breaker.canForget(lenient)) return false;
  if (bulkhead !== undefined && (bulkhead.active > 0 || bulkhead.queued > 0)) return false;
  return lenient || own.adaptive === undefined;
}

/** True when two retry option objects say the same (each option compared; written out, as this runs per call). */
function sameRetryOptions(a: RetryOptions, b: RetryOptions): boolean {
  return (
    a.maxRetries === b.maxRetries && a.baseDelay === b.baseDelay && a.maxDelay === b.maxDelay && a.factor === b.factor &&
    a.jitter === b.jitter && sameRetryOn(a.retryOn, b.retryOn) && a.budget === b.budget && a.clock === b.clock && a.random === b.random
  );
}

/** A fresh `retryOn: [A, B]` literal says the same as the last one when it lists the same classes. */
function sameRetryOn(a: RetryOptions['retryOn'], b: RetryOptions['retryOn']): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((cls, i) => cls === b[i]);
}
