import { describe, expect, it } from 'vitest';
import { AgentId, CircuitBreakerPolicy, ConfigurationError, RetryPolicy, SimulatedClock } from '../../src/index.js';
import { CallerPolicies } from '../../src/core/CallerPolicies.js';
import type { FallbackStage } from '../../src/policies/PolicyStack.js';

const fallback: FallbackStage = { handles: () => true, recover: () => 'fallback' };

function policies(): CallerPolicies {
  return new CallerPolicies({ clock: new SimulatedClock(), random: () => 0.5, fallback, breakerChanged: () => undefined });
}

describe('CallerPolicies', () => {
  const a = new AgentId('worker', 'a');
  const b = new AgentId('worker', 'b');

  it('reuses one stack for fresh option literals that say the same, call after call', () => {
    const p = policies();
    const first = p.stackFor(a, { retry: { maxRetries: 3 }, timeout: 1_000, circuitBreaker: { failureThreshold: 5, recoveryTimeout: 10_000 } });
    const again = p.stackFor(a, { retry: { maxRetries: 3 }, timeout: 1_000, circuitBreaker: { failureThreshold: 5, recoveryTimeout: 10_000 } });
    expect(again).toBe(first);
    expect(first.retry).toBeInstanceOf(RetryPolicy);
  });

  it('rebuilds only what changed when the options differ', () => {
    const p = policies();
    const first = p.stackFor(a, { retry: { maxRetries: 3 }, timeout: 1_000 });
    const second = p.stackFor(a, { retry: { maxRetries: 4 }, timeout: 1_000 });
    expect(second).not.toBe(first);
    expect(second.retry).not.toBe(first.retry);
    expect(second.timeout).toBe(first.timeout);
    expect(p.stackFor(a, { retry: { maxRetries: 4 }, timeout: { ms: 1_000 } }).timeout).toBe(first.timeout);
  });

  it('keeps one breaker and one adaptive timeout per recipient, made from the first options seen', () => {
    const p = policies();
    const options = { circuitBreaker: { recoveryTimeout: 10 }, timeout: { adaptive: { initial: 100 } } };
    const forA = p.stackFor(a, options);
    const forB = p.stackFor(b, options);
    expect(forA.breaker).toBeInstanceOf(CircuitBreakerPolicy);
    expect(forB.breaker).not.toBe(forA.breaker);
    expect(p.breakerFor(a)).toBe(forA.breaker);
    expect(p.adaptiveTimeoutFor(a)).toBe(forA.timeout);
    expect(p.stackFor(a, { circuitBreaker: { recoveryTimeout: 99 } }).breaker).toBe(forA.breaker);
  });

  it('uses policy instances as given and the runtime’s fallback stage for the fallback option', () => {
    const p = policies();
    const retry = new RetryPolicy();
    const stack = p.stackFor(a, { retry, fallback: () => 'x' });
    expect(stack.retry).toBe(retry);
    expect(stack.fallback).toBe(fallback);
  });

  it('refuses out-of-range options with a ConfigurationError naming them', () => {
    expect(() => policies().stackFor(a, { retry: { maxRetries: -1 } })).toThrow(ConfigurationError);
    expect(() => policies().stackFor(a, { retry: { maxRetries: -1 } })).toThrow(/maxRetries/);
  });
});
