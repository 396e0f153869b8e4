import { CancelledError } from '../errors/CancelledError.js';
import { CircuitOpenError } from '../errors/CircuitOpenError.js';
import { RuntimeStoppedError } from '../errors/RuntimeStoppedError.js';
import { ConfigurationError } from '../errors/ConfigurationError.js';
import { CircuitBreakerPolicy } from '../policies/CircuitBreakerPolicy.js';
import type { RuntimeEmitter } from '../core/RuntimeEmitter.js';
import type { CircuitBreakerOptions } from '../policies/CircuitBreakerOptions.js';
import { RetryPolicy } from '../policies/RetryPolicy.js';
import { TimeoutPolicy } from '../policies/TimeoutPolicy.js';
import type { Clock } from '../util/Clock.js';
import { AgentId } from '../core/AgentId.js';
import { classifyFailure } from '../core/classifyFailure.js';
import type { Delivery } from './Delivery.js';
import type { SendFallback, SendOptions } from '../core/SendOptions.js';

/** @internal Sends one attempt (no caller policies). */
export type SendOnce = (message: unknown, recipient: AgentId, options: SendOptions, attempt: number, parent: Delivery | undefined) => Promise<unknown>;

type Attempt = (message: unknown, recipient: AgentId, options: SendOptions, attempt: number) => Promise<unknown>;

/** True when the options ask for caller-side policies beyond a plain numeric timeout. */
export function hasCallerPolicies(options: SendOptions | undefined): boolean {
  return options !== undefined && (options.retry !== undefined || options.circuitBreaker !== undefined || options.fallback !== undefined || (options.timeout !== undefined && typeof options.timeout !== 'number'));
}

/**
 * @internal The caller side of the seeds' RobustClient: retry → breaker (kept per recipient) →
 * timeout per attempt around `sendMessage`, then the fallback.
 */
export class CallerPolicies {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly timeouts = new Map<string, TimeoutPolicy>();

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly events: RuntimeEmitter,
    /** Aborted when the runtime stops, so backoff sleeps end at once. */
    private readonly stopSignal: () => AbortSignal,
  ) {}

  /** The adaptive caller-side timeout kept for `recipient`, if one was created. */
  timeoutFor(recipient: AgentId): TimeoutPolicy | undefined {
    return this.timeouts.get(recipient.toString());
  }

  /** The caller-side breaker kept for `recipient`, if one was created. */
  breakerFor(recipient: AgentId): CircuitBreakerPolicy | undefined {
    return this.breakers.get(recipient.toString());
  }

  async send(sendOnce: SendOnce, message: unknown, recipient: AgentId, options: SendOptions, messageId: string, parent: Delivery | undefined): Promise<unknown> {
    const once: Attempt = (m, r, o, attempt) => sendOnce(m, r, o, attempt, parent);
    try {
      const value = await this.tryAll(once, message, recipient, options, messageId);
      this.reportEnd(messageId, true, undefined);
      return value;
    } catch (error) {
      this.reportEnd(messageId, false, error);
      throw error;
    }
  }

  private async tryAll(once: Attempt, message: unknown, recipient: AgentId, options: SendOptions, messageId: string): Promise<unknown> {
    try {
      return await this.attempts(once, message, recipient, options, messageId);
    } catch (error) {
      const reason = classifyFailure(error);
      if (options.fallback === undefined || reason === 'cancelled' || reason === 'stopped') throw error;
      return this.fallBack(once, options.fallback, error, message, options, messageId);
    }
  }

  private reportEnd(messageId: string, ok: boolean, error: unknown): void {
    if (this.events.listening.requestEnd !== true) return;
    this.events.emit('requestEnd', ok ? { messageId, ok, at: this.clock.now() } : { messageId, ok, error, at: this.clock.now() });
  }

  private async attempts(sendOnce: Attempt, message: unknown, recipient: AgentId, options: SendOptions, messageId: string): Promise<unknown> {
    const retry = this.retryPolicy(options);
    const breaker = this.breakerPolicy(options, recipient);
    const timeout = this.timeoutPolicy(options, recipient);
    const base: SendOptions = { sender: options.sender, signal: options.signal, messageId };
    let previousDelay: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const token = breaker === undefined ? undefined : admit(breaker, recipient, messageId);
      const started = this.clock.now();
      try {
        const value = await sendOnce(message, recipient, timeout === undefined ? base : { ...base, timeout: timeout.currentLimit() }, attempt);
        if (token !== undefined) breaker!.onSuccess(token);
        timeout?.recordSuccess(this.clock.now() - started);
        retry?.recordSuccess(attempt);
        return value;
      } catch (error) {
        const reason = classifyFailure(error);
        if (token !== undefined) {
          if (reason === 'cancelled' || reason === 'stopped') breaker!.release(token);
          else breaker!.onFailure(token, error);
        }
        if (reason === 'timeout') timeout?.recordTimeout();
        if (retry === undefined || !retry.shouldRetry(error, attempt)) throw error;
        previousDelay = retry.delayFor(attempt, previousDelay);
        this.reportRetry(messageId, recipient, options.sender, attempt, previousDelay, error);
        await sleep(this.clock, previousDelay, options.signal, this.stopSignal(), messageId, recipient);
      }
    }
  }

  private async fallBack(sendOnce: Attempt, fallback: SendFallback, error: unknown, message: unknown, options: SendOptions, messageId: string): Promise<unknown> {
    if (typeof fallback === 'function') return fallback(error, message);
    const recipients = fallback instanceof AgentId ? [fallback] : fallback;
    let last = error;
    for (const recipient of recipients) {
      try {
        return await sendOnce(message, recipient, { sender: options.sender, signal: options.signal, messageId, timeout: typeof options.timeout === 'number' ? options.timeout : undefined }, 1);
      } catch (next) {
        const reason = classifyFailure(next);
        if (reason === 'cancelled' || reason === 'stopped') throw next;
        last = next;
      }
    }
    throw last;
  }

  private retryPolicy(options: SendOptions): RetryPolicy | undefined {
    const retry = options.retry;
    if (retry === undefined || retry instanceof RetryPolicy) return retry;
    return new RetryPolicy({ clock: this.clock, random: this.random, ...retry });
  }

  private breakerPolicy(options: SendOptions, recipient: AgentId): CircuitBreakerPolicy | undefined {
    const spec = options.circuitBreaker;
    if (spec === undefined || spec instanceof CircuitBreakerPolicy) return spec;
    const key = recipient.toString();
    let breaker = this.breakers.get(key);
    if (breaker === undefined) {
      breaker = new CircuitBreakerPolicy({ clock: this.clock, ...(spec as CircuitBreakerOptions) });
      breaker.onStateChange(({ from, to }) =>
        this.events.emit('breaker', { breaker: key, side: 'caller', agentType: recipient.type, agentId: recipient, method: undefined, from, to, at: this.clock.now() }),
      );
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  private timeoutPolicy(options: SendOptions, recipient: AgentId): TimeoutPolicy | undefined {
    const spec = options.timeout;
    if (spec === undefined || spec instanceof TimeoutPolicy) return spec;
    if (typeof spec === 'number' || !('adaptive' in spec)) return new TimeoutPolicy(spec, { clock: this.clock });
    const key = recipient.toString();
    let policy = this.timeouts.get(key);
    if (policy === undefined) {
      policy = new TimeoutPolicy(spec, { clock: this.clock });
      this.timeouts.set(key, policy);
    }
    return policy;
  }

  private reportRetry(messageId: string, agentId: AgentId, sender: AgentId | undefined, attempt: number, delayMs: number, error: unknown): void {
    if (this.events.listening.retry !== true) return;
    this.events.emit('retry', { messageId, agentId, sender, attempt, delayMs, error, side: 'caller', at: this.clock.now() });
  }
}

function admit(breaker: CircuitBreakerPolicy, recipient: AgentId, messageId: string): number {
  const token = breaker.tryAdmit();
  if (token >= 0) return token;
  throw new CircuitOpenError(breaker.retryAfter, { messageId, agentId: recipient }, `${breaker.rejectionDetail} (caller side, for ${String(recipient)})`);
}

/** The backoff sleep: ends at once when the caller cancels (CancelledError) or the runtime stops (RuntimeStoppedError). */
function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined, stop: AbortSignal, messageId: string, recipient: AgentId): Promise<void> {
  const cancelled = (): CancelledError => new CancelledError('The request was cancelled by its caller during a retry backoff.', { messageId, agentId: recipient, cause: signal?.reason });
  const stopped = (): RuntimeStoppedError => new RuntimeStoppedError('The runtime stopped during a retry backoff.', { messageId, agentId: recipient });
  if (signal?.aborted) return Promise.reject(cancelled());
  if (stop.aborted) return Promise.reject(stopped());
  return new Promise((resolve, reject) => {
    const end = (error?: Error): void => {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onCancel);
      stop.removeEventListener('abort', onStop);
      if (error) reject(error);
      else resolve();
    };
    const onCancel = (): void => end(cancelled());
    const onStop = (): void => end(stopped());
    const timer = clock.setTimeout(() => end(), Math.max(0, ms));
    signal?.addEventListener('abort', onCancel, { once: true });
    stop.addEventListener('abort', onStop, { once: true });
  });
}

/** @internal Validates policy options up front so a bad option fails the call clearly. */
export function checkFallback(fallback: SendFallback | undefined): void {
  if (fallback === undefined || typeof fallback === 'function' || fallback instanceof AgentId) return;
  if (Array.isArray(fallback) && fallback.every((f) => f instanceof AgentId)) return;
  throw new ConfigurationError('The "fallback" send option must be an AgentId, an array of AgentIds or a function (error, message) => value.');
}
